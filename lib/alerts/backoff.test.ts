import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, afterFailure, backoffStepMs } from './backoff';

describe('delivery backoff', () => {
  it('doubles from the base and stops at the cap', () => {
    const steps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 60].map((n) => backoffStepMs(n, DEFAULT_BACKOFF));
    expect(steps).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 600_000, 600_000]);
  });

  it('jitters between half and the whole step', () => {
    expect(afterFailure(3, DEFAULT_BACKOFF, 0)).toEqual({ state: 'pending', delayMs: 4_000 });
    expect(afterFailure(3, DEFAULT_BACKOFF, 0.999999)).toEqual({ state: 'pending', delayMs: 8_000 });
    expect(afterFailure(3, DEFAULT_BACKOFF, 0.5)).toEqual({ state: 'pending', delayMs: 6_000 });
  });

  it('gives up after the last attempt', () => {
    expect(afterFailure(7, DEFAULT_BACKOFF, 0).state).toBe('pending');
    expect(afterFailure(8, DEFAULT_BACKOFF, 0)).toEqual({ state: 'failed' });
    expect(afterFailure(1, { ...DEFAULT_BACKOFF, maxAttempts: 1 })).toEqual({ state: 'failed' });
  });

  it('honours a configured base', () => {
    expect(afterFailure(2, { ...DEFAULT_BACKOFF, baseMs: 100 }, 0)).toEqual({ state: 'pending', delayMs: 100 });
  });
});
