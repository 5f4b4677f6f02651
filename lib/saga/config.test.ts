import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_CONFIG, modelConfig } from './config';

describe('modelConfig', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_MODEL_CONFIG).toEqual({ stuckAfterMs: 300_000, failedGraceMs: 60_000, maxAttempts: 5 });
    expect(Object.isFrozen(DEFAULT_MODEL_CONFIG)).toBe(true);
  });

  it('fills defaults around the caller-supplied instant', () => {
    expect(modelConfig({ nowMs: 42 })).toEqual({ nowMs: 42, stuckAfterMs: 300_000, failedGraceMs: 60_000, maxAttempts: 5, nameRules: [] });
  });

  it('applies overrides and ignores keys set to undefined', () => {
    expect(modelConfig({ nowMs: 1, stuckAfterMs: 10, failedGraceMs: undefined, maxAttempts: 2 })).toEqual({
      nowMs: 1,
      stuckAfterMs: 10,
      failedGraceMs: 60_000,
      maxAttempts: 2,
      nameRules: [],
    });
  });

  it('accepts zero thresholds', () => {
    expect(modelConfig({ nowMs: 0, stuckAfterMs: 0, failedGraceMs: 0, maxAttempts: 0 }).failedGraceMs).toBe(0);
  });

  it.each([
    [{ nowMs: Number.NaN }],
    [{ nowMs: 1, stuckAfterMs: -1 }],
    [{ nowMs: 1, failedGraceMs: Number.POSITIVE_INFINITY }],
    [{ nowMs: 1, maxAttempts: Number.NaN }],
  ])('rejects %o', (input) => {
    expect(() => modelConfig(input)).toThrow(RangeError);
  });
});
