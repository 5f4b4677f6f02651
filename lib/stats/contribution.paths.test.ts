import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { contributionOf, decodeContribution, encodeContribution, type Contribution } from './contribution';
import { sagaSpans as arbitrarySagaSpans } from '../fuzz/arbitraries';
import { buildSaga } from '../saga/model';
import { modelConfig } from '../saga/config';
import { largeSaga, scenario } from '../../test/support/saga-fixtures';
import type { SagaSpan } from '../saga/types';

const cfg = modelConfig({ nowMs: 10_000_000 });

/** The stored form as JSON.stringify writes it: the format encodeContribution must keep. */
function reference(c: Contribution): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (v: string) => index.get(v) ?? (index.set(v, strings.length), strings.push(v) - 1);
  const base = c.entries.length > 0 ? c.entries[0]![1] : 0;
  const flat: number[] = [];
  for (const e of c.entries) {
    flat.push(e[0], e[1] - base, ref(e[2]), ref(e[3]), ref(e[4]), e[5], e[6]);
    if (e[5] < 0) flat.push(e[7]!, e[8]!, e[9]!);
  }
  return JSON.stringify({ n: c.name, m: base, s: strings, e: flat });
}

describe('contribution fast paths', () => {
  it('a small one-trace saga has the service graph of the general path', () => {
    fc.assert(
      fc.property(arbitrarySagaSpans, (raw) => {
        const spans: SagaSpan[] = raw.map((s) => ({ ...s, traceId: 't1' }));
        const saga = buildSaga('g', spans, cfg);
        // Re-sent copies change nothing, and past 32 spans take the Map path.
        const padded = [...spans, ...Array.from({ length: 33 }, () => spans).flat()];
        expect(contributionOf(saga, spans)).toEqual(contributionOf(saga, padded));
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  it('encodes as JSON.stringify of the stored shape, with many distinct strings too', () => {
    const contributions = [
      ...fc.sample(arbitrarySagaSpans, { numRuns: 200, seed: 5 }).map((spans) => contributionOf(buildSaga('g', spans, cfg), spans)),
      ...[largeSaga(80), scenario({ failAt: 'charge' })].map((spans) => contributionOf(buildSaga('g', spans, cfg), spans)),
    ];
    expect(contributions.some((c) => new Set(c.entries.flatMap((e) => [e[2], e[3], e[4]])).size > 40)).toBe(true);
    for (const c of contributions) {
      expect(encodeContribution(c)).toBe(reference(c));
      expect(decodeContribution(encodeContribution(c))).toEqual(c);
    }
  });
});
