import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_MIN_STEPS, cachedDetail, clearDetailCache, detailStamp, rememberDetail, type CachedDetail } from './saga-detail-cache';
import { modelConfig } from '../saga/config';

const detailOf = (steps: number): CachedDetail => ({
  saga: {} as CachedDetail['saga'],
  steps: Array.from({ length: steps }, () => ({}) as CachedDetail['steps'][number]),
  anomalies: [],
  compensateSaga: { refusal: null, overridable: false },
  clockSkew: [],
  modelledSpans: null,
  coordinator: null,
  traceIds: [],
});
const cfg = modelConfig({ nowMs: 1_000 });
const stamp = detailStamp(new Date(500), 10_000, cfg);

afterEach(() => clearDetailCache());

describe('saga detail cache', () => {
  it('hands out the same detail while the stamp matches and before the next transition', () => {
    const d = detailOf(CACHE_MIN_STEPS);
    rememberDetail('s1', stamp, 1_000, 5_000, d);
    expect(cachedDetail('s1', stamp, 1_000)).toBe(d);
    expect(cachedDetail('s1', stamp, 4_999)).toBe(d);
  });

  it('drops an entry whose summary changed (a new span) or whose model config differs', () => {
    rememberDetail('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedDetail('s1', detailStamp(new Date(501), 10_000, cfg), 1_000)).toBeNull();
    rememberDetail('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedDetail('s1', detailStamp(new Date(500), 10_001, cfg), 1_000)).toBeNull();
    rememberDetail('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedDetail('s1', detailStamp(new Date(500), 10_000, modelConfig({ nowMs: 1_000, stuckAfterMs: 1 })), 1_000)).toBeNull();
  });

  it('rebuilds once the timed status change is due, or for an instant before the build', () => {
    rememberDetail('s1', stamp, 1_000, 5_000, detailOf(CACHE_MIN_STEPS));
    expect(cachedDetail('s1', stamp, 5_000)).toBeNull();
    rememberDetail('s1', stamp, 1_000, 5_000, detailOf(CACHE_MIN_STEPS));
    expect(cachedDetail('s1', stamp, 999)).toBeNull();
  });

  it('keeps small sagas out and evicts the least recently used past its step budget', () => {
    rememberDetail('small', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS - 1));
    expect(cachedDetail('small', stamp, 1_000)).toBeNull();
    const a = detailOf(40_000);
    const b = detailOf(40_000);
    rememberDetail('a', stamp, 1_000, null, a);
    rememberDetail('b', stamp, 1_000, null, b);
    expect(cachedDetail('a', stamp, 1_000)).toBe(a); // a is now the most recent
    rememberDetail('c', stamp, 1_000, null, detailOf(40_000));
    expect(cachedDetail('b', stamp, 1_000)).toBeNull();
    expect(cachedDetail('a', stamp, 1_000)).toBe(a);
  });
});
