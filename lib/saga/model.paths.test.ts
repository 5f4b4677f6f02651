import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize } from './spans';
import { correctClockSkew } from './clock-skew';
import { buildSaga } from './model';
import { modelConfig } from './config';
import { sagaSpans as arbitrarySagaSpans } from '../fuzz/arbitraries';
import type { SagaSpan } from './types';

/** The same spans past the small-saga size: re-sent copies of the same objects change nothing, and take the general path. */
const padded = (spans: readonly SagaSpan[]) => [...spans, ...Array.from({ length: 33 }, () => spans).flat()];
const cfg = modelConfig({ nowMs: 700_000 });

describe('small-saga fast paths give the general result', () => {
  it('canonicalize: the same order, copies and parent positions', () => {
    fc.assert(
      fc.property(arbitrarySagaSpans, (spans) => {
        if (spans.length === 0) return;
        const small = canonicalize(spans);
        const general = canonicalize(padded(spans));
        expect(small.spans).toEqual(general.spans);
        small.spans.forEach((s, i) => expect(s).toBe(general.spans[i]));
        expect([...small.parentIndex]).toEqual([...general.parentIndex]);
      }),
      { numRuns: 1000, seed: 23 },
    );
  }, 30_000);

  it('canonicalize: differing copies of one span and start times that are not numbers', () => {
    const base: SagaSpan = fc.sample(arbitrarySagaSpans.filter((x) => x.length > 0), { numRuns: 1, seed: 2 })[0]![0]!;
    const a = { ...base, spanId: 'x', receivedMs: 5 };
    const b = { ...base, spanId: 'x', receivedMs: 3, service: 'other' };
    const c = { ...base, spanId: 'y', startMs: Number.NaN };
    expect(canonicalize([a, b]).spans).toEqual([b]);
    expect(canonicalize([b, a]).spans).toEqual([b]);
    expect(canonicalize([c, a, b]).spans).toEqual(canonicalize(padded([c, a, b])).spans);
  });

  it('buildSaga: deep-equal sagas, clock-skew corrections included', () => {
    let skewed = 0;
    fc.assert(
      fc.property(arbitrarySagaSpans, (spans) => {
        const c = canonicalize(spans);
        if (correctClockSkew(c.spans, c.parentIndex).corrections.length > 0) skewed++;
        expect(buildSaga('g', spans, cfg)).toEqual(buildSaga('g', padded(spans), cfg));
      }),
      { numRuns: 1000, seed: 29 },
    );
    expect(skewed).toBeGreaterThan(10);
    // 1,000 generated sagas built twice: bounded by work, not by a clock; room for a loaded host.
  }, 30_000);
});
