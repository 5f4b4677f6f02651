/**
 * The Insights page without a name filter compares saga names side by side:
 * volume, failure rate, compensation rate, p95 duration and anomalies, each
 * with its share of the largest value so the table can draw a bar per cell.
 * Pure: the rows come from GET /api/stats's byName and lib/stats/name-anomalies-store.ts.
 */
import type { SagaAggregate } from './types';

export interface NameComparisonRow {
  name: string | null;
  count: number;
  finished: number;
  failed: number;
  failureRate: number | null;
  compensationRate: number | null;
  p95Ms: number | null;
  /** Sagas with each anomaly, most first. */
  anomalies: { kind: string; sagas: number }[];
  /** Anomaly flags: the per-kind saga counts summed (a saga with two kinds counts twice). */
  anomalyCount: number;
}

export type ComparisonMetric = 'count' | 'failureRate' | 'compensationRate' | 'p95Ms' | 'anomalyCount';

export interface NameComparison {
  rows: NameComparisonRow[];
  /** Largest value of each metric over the rows (0 when none), the full length of a bar. */
  max: Record<ComparisonMetric, number>;
}

export function compareNames(
  byName: readonly (SagaAggregate & { name: string | null })[],
  anomalies: readonly { name: string | null; kind: string; sagas: number }[],
): NameComparison {
  const byKey = new Map<string | null, { kind: string; sagas: number }[]>();
  for (const a of anomalies) {
    const list = byKey.get(a.name) ?? [];
    list.push({ kind: a.kind, sagas: a.sagas });
    byKey.set(a.name, list);
  }
  const rows: NameComparisonRow[] = byName.map((n) => {
    const kinds = (byKey.get(n.name) ?? []).sort((a, b) => b.sagas - a.sagas || (a.kind < b.kind ? -1 : 1));
    return {
      name: n.name,
      count: n.count,
      finished: n.finished,
      failed: n.byStatus.failed,
      failureRate: n.failureRate,
      compensationRate: n.compensationRate,
      p95Ms: n.p95Ms,
      anomalies: kinds,
      anomalyCount: kinds.reduce((s, k) => s + k.sagas, 0),
    };
  });
  const max = { count: 0, failureRate: 0, compensationRate: 0, p95Ms: 0, anomalyCount: 0 };
  for (const r of rows) {
    for (const m of Object.keys(max) as ComparisonMetric[]) max[m] = Math.max(max[m], r[m] ?? 0);
  }
  return { rows, max };
}

/** Rows ordered by a metric, largest first; rows without a value last; ties by volume, then name. */
export function sortComparison(rows: readonly NameComparisonRow[], by: ComparisonMetric): NameComparisonRow[] {
  return [...rows].sort((a, b) => {
    const va = a[by];
    const vb = b[by];
    if (va === null && vb !== null) return 1;
    if (vb === null && va !== null) return -1;
    if (va !== null && vb !== null && va !== vb) return vb - va;
    if (a.count !== b.count) return b.count - a.count;
    return (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : 0;
  });
}

/** A bar's length in percent of the column's largest value. */
export function barPct(value: number | null, max: number): number {
  if (value === null || max <= 0) return 0;
  return Math.max(0, Math.min(100, (value / max) * 100));
}
