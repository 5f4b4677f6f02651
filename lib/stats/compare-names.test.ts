import { describe, expect, it } from 'vitest';
import { barPct, compareNames, sortComparison } from './compare-names';
import type { SagaAggregate } from './types';

function agg(name: string | null, over: Partial<SagaAggregate>): SagaAggregate & { name: string | null } {
  return {
    name,
    count: 0,
    byStatus: { running: 0, committed: 0, compensating: 0, compensated: 0, failed: 0, stuck: 0 } as SagaAggregate['byStatus'],
    finished: 0,
    failureRate: null,
    compensationRate: null,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    ttcP50Ms: null,
    ttcP95Ms: null,
    repaired: 0,
    ttrP50Ms: null,
    ttrP95Ms: null,
    retries: 0,
    ...over,
  };
}

const byName = [
  agg('checkout', { count: 100, finished: 90, failureRate: 0.1, compensationRate: 0.2, p95Ms: 800, byStatus: { ...agg(null, {}).byStatus, failed: 9 } }),
  agg('refund', { count: 10, finished: 10, failureRate: 0.3, compensationRate: 0.3, p95Ms: 2400 }),
  agg(null, { count: 5 }),
];
const anomalies = [
  { name: 'checkout', kind: 'retry_storm', sagas: 2 },
  { name: 'checkout', kind: 'stuck', sagas: 5 },
  { name: null, kind: 'orphan_step', sagas: 1 },
];

describe('compareNames', () => {
  it('puts each name’s anomalies beside its figures, most first, and the column maxima', () => {
    const c = compareNames(byName, anomalies);
    expect(c.rows.map((r) => [r.name, r.count, r.failed, r.anomalyCount])).toEqual([
      ['checkout', 100, 9, 7],
      ['refund', 10, 0, 0],
      [null, 5, 0, 1],
    ]);
    expect(c.rows[0]!.anomalies).toEqual([
      { kind: 'stuck', sagas: 5 },
      { kind: 'retry_storm', sagas: 2 },
    ]);
    expect(c.max).toEqual({ count: 100, failureRate: 0.3, compensationRate: 0.3, p95Ms: 2400, anomalyCount: 7 });
  });

  it('sorts by a metric, names without a value last', () => {
    const { rows } = compareNames(byName, anomalies);
    expect(sortComparison(rows, 'failureRate').map((r) => r.name)).toEqual(['refund', 'checkout', null]);
    expect(sortComparison(rows, 'p95Ms').map((r) => r.name)).toEqual(['refund', 'checkout', null]);
    expect(sortComparison(rows, 'anomalyCount').map((r) => r.name)).toEqual(['checkout', null, 'refund']);
    expect(sortComparison(rows, 'count').map((r) => r.name)).toEqual(['checkout', 'refund', null]);
  });

  it('scales bars to the largest value', () => {
    expect(barPct(0.1, 0.3)).toBeCloseTo(33.33, 1);
    expect(barPct(null, 1)).toBe(0);
    expect(barPct(5, 0)).toBe(0);
  });
});
