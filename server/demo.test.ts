import { describe, it, expect } from 'vitest';
import { collectorEndpoint, prepareDemo } from './demo';

describe('npm start demo mode', () => {
  it('runs by default and shortens the thresholds the user did not set', () => {
    const env: Record<string, string | undefined> = { SAGASCOPE_FAILED_GRACE_MS: '5000' };
    expect(prepareDemo(['node', 'start.ts'], env)).toEqual({
      run: true,
      reason: null,
      thresholds: ['SAGASCOPE_STUCK_AFTER_MS', 'SAGASCOPE_ACTION_ALLOWED_HOSTS'],
    });
    expect(env).toEqual({ SAGASCOPE_FAILED_GRACE_MS: '5000', SAGASCOPE_STUCK_AFTER_MS: '30000', SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1' });
  });

  it('keeps an action allowlist the user chose', () => {
    const env: Record<string, string | undefined> = { SAGASCOPE_ACTION_ALLOWED_HOSTS: 'payments.internal' };
    expect(prepareDemo(['node', 'start.ts'], env).thresholds).not.toContain('SAGASCOPE_ACTION_ALLOWED_HOSTS');
    expect(env.SAGASCOPE_ACTION_ALLOWED_HOSTS).toBe('payments.internal');
  });

  it('is off with --no-demo or SAGASCOPE_DEMO=false, and then changes nothing', () => {
    const env: Record<string, string | undefined> = {};
    expect(prepareDemo(['node', 'start.ts', '--no-demo'], env).run).toBe(false);
    expect(prepareDemo(['node', 'start.ts'], { SAGASCOPE_DEMO: 'false' }).run).toBe(false);
    expect(prepareDemo(['node', 'start.ts'], { SAGASCOPE_DEMO: '0' }).run).toBe(false);
    expect(env).toEqual({});
  });

  it('does not run when the collector runs elsewhere', () => {
    const d = prepareDemo(['node', 'start.ts'], { SAGASCOPE_START_COLLECTOR: 'false', DATABASE_URL: 'postgres://x/y' });
    expect(d).toMatchObject({ run: false, reason: 'the collector runs separately' });
  });

  it('rejects a bad SAGASCOPE_DEMO like any other variable', () => {
    expect(() => prepareDemo(['node', 'start.ts'], { SAGASCOPE_DEMO: 'maybe' })).toThrow(/SAGASCOPE_DEMO/);
  });

  it('reaches a collector bound to every interface over loopback', () => {
    expect(collectorEndpoint('0.0.0.0', 4317)).toBe('http://127.0.0.1:4317');
    expect(collectorEndpoint('127.0.0.1', 14317)).toBe('http://127.0.0.1:14317');
    expect(collectorEndpoint('::1', 4317)).toBe('http://[::1]:4317');
  });
});
