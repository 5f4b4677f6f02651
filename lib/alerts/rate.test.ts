import { describe, expect, it } from 'vitest';
import { decideRate, failureRateOf } from './rate';

const rule = { threshold: 0.5, minSagas: 4, firing: false };

describe('failure-rate episodes', () => {
  it('computes failed / (committed + compensated + failed)', () => {
    expect(failureRateOf({ committed: 1, compensated: 1, failed: 2 })).toBe(0.5);
    expect(failureRateOf({ committed: 0, compensated: 0, failed: 0 })).toBeNull();
  });

  it('fires strictly above the threshold with enough finished sagas, once', () => {
    expect(decideRate({ committed: 1, compensated: 0, failed: 3 }, rule)).toBe('fire');
    expect(decideRate({ committed: 2, compensated: 0, failed: 2 }, rule)).toBe('none');
    expect(decideRate({ committed: 0, compensated: 0, failed: 3 }, rule)).toBe('none');
    expect(decideRate({ committed: 1, compensated: 0, failed: 3 }, { ...rule, firing: true })).toBe('none');
  });

  it('resolves at or below the threshold, or when the window runs dry', () => {
    const firing = { ...rule, firing: true };
    expect(decideRate({ committed: 2, compensated: 0, failed: 2 }, firing)).toBe('resolve');
    expect(decideRate({ committed: 0, compensated: 0, failed: 0 }, firing)).toBe('resolve');
    expect(decideRate({ committed: 0, compensated: 0, failed: 0 }, rule)).toBe('none');
  });
});
