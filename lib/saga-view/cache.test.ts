import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_MIN_STEPS, cachedView, clearViewCache, viewStamp, rememberView } from './cache';
import type { SagaView } from './view';
import { modelConfig } from '../saga/config';

// Only the step count matters to the cache.
const detailOf = (steps: number): SagaView => ({ steps: Array.from({ length: steps }, () => ({}) as SagaView['steps'][number]) }) as unknown as SagaView;
const cfg = modelConfig({ nowMs: 1_000 });
const stamp = viewStamp(new Date(500), 10_000, cfg);

afterEach(() => clearViewCache());

describe('saga view cache', () => {
  it('hands out the same detail while the stamp matches and before the next transition', () => {
    const d = detailOf(CACHE_MIN_STEPS);
    rememberView('s1', stamp, 1_000, 5_000, d);
    expect(cachedView('s1', stamp, 1_000)).toBe(d);
    expect(cachedView('s1', stamp, 4_999)).toBe(d);
  });

  it('drops an entry whose summary changed (a new span) or whose model config differs', () => {
    rememberView('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedView('s1', viewStamp(new Date(501), 10_000, cfg), 1_000)).toBeNull();
    rememberView('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedView('s1', viewStamp(new Date(500), 10_001, cfg), 1_000)).toBeNull();
    rememberView('s1', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS));
    expect(cachedView('s1', viewStamp(new Date(500), 10_000, modelConfig({ nowMs: 1_000, stuckAfterMs: 1 })), 1_000)).toBeNull();
  });

  it('rebuilds once the timed status change is due, or for an instant before the build', () => {
    rememberView('s1', stamp, 1_000, 5_000, detailOf(CACHE_MIN_STEPS));
    expect(cachedView('s1', stamp, 5_000)).toBeNull();
    rememberView('s1', stamp, 1_000, 5_000, detailOf(CACHE_MIN_STEPS));
    expect(cachedView('s1', stamp, 999)).toBeNull();
  });

  it('keeps small sagas out and evicts the least recently used past its step budget', () => {
    rememberView('small', stamp, 1_000, null, detailOf(CACHE_MIN_STEPS - 1));
    expect(cachedView('small', stamp, 1_000)).toBeNull();
    const a = detailOf(40_000);
    const b = detailOf(40_000);
    rememberView('a', stamp, 1_000, null, a);
    rememberView('b', stamp, 1_000, null, b);
    expect(cachedView('a', stamp, 1_000)).toBe(a); // a is now the most recent
    rememberView('c', stamp, 1_000, null, detailOf(40_000));
    expect(cachedView('b', stamp, 1_000)).toBeNull();
    expect(cachedView('a', stamp, 1_000)).toBe(a);
  });
});
