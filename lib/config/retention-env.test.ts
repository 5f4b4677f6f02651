import { describe, it, expect } from 'vitest';
import { parseConfig, ConfigError } from './env';

const base = { SAGASCOPE_DATA_DIR: 'memory://' };

describe('retention settings', () => {
  it('defaults to 7 days every 10 minutes', () => {
    const c = parseConfig(base);
    expect(c.SAGASCOPE_RETENTION_DAYS).toBe(7);
    expect(c.SAGASCOPE_RETENTION_INTERVAL_MS).toBe(600_000);
  });

  it('accepts 0 (keep forever) and explicit values', () => {
    const c = parseConfig({ ...base, SAGASCOPE_RETENTION_DAYS: '0', SAGASCOPE_RETENTION_INTERVAL_MS: '5000' });
    expect(c.SAGASCOPE_RETENTION_DAYS).toBe(0);
    expect(c.SAGASCOPE_RETENTION_INTERVAL_MS).toBe(5000);
  });

  it.each([
    ['SAGASCOPE_RETENTION_DAYS', '-1'],
    ['SAGASCOPE_RETENTION_DAYS', '1.5'],
    ['SAGASCOPE_RETENTION_DAYS', 'week'],
    ['SAGASCOPE_RETENTION_INTERVAL_MS', '999'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(name);
  });
});
