import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './throttle';

describe('LoginThrottle', () => {
  it('refuses a name after repeated failures until the window passes', () => {
    const t = new LoginThrottle(3, 1000);
    for (let i = 0; i < 3; i++) {
      expect(t.allow('alice', i)).toBe(true);
      t.fail('alice', i);
    }
    expect(t.allow('alice', 10)).toBe(false);
    expect(t.allow('bob', 10)).toBe(true);
    expect(t.allow('alice', 1001)).toBe(true);
  });

  it('forgets failures after a success', () => {
    const t = new LoginThrottle(2, 1000);
    t.fail('alice', 0);
    t.succeed('alice');
    t.fail('alice', 1);
    expect(t.allow('alice', 2)).toBe(true);
  });
});
