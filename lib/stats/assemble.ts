/**
 * Turns grouped rollup rows into the /api/stats and /api/topology responses.
 * Pure: the SQL (lib/stats/store.ts) only sums rows; every rate and percentile is
 * computed here, from merged histograms.
 */
import { SAGA_STATUSES, type SagaStatus } from '../saga/types';
import { addTo, percentiles, ERROR_BOUND, type Histogram } from './histogram';
import { SERIES } from './series';
import { bucketStarts, formatBucket, type MinuteRange } from './range';
import type { SagaAggregate, StatsResponse, StepAggregate, StepPoint, TopologyResponse } from './types';

export interface SagaCountRow { t: number; name: string; status: string; calls: number; retries: number }
export interface SagaLatencyRow { t: number; name: string; series: number; bucket: number; count: number }
export interface StepCountRow { name: string; service: string; step: string; op: string; calls: number; errors: number; retries: number }
export interface StepLatencyRow { name: string; service: string; step: string; op: string; bucket: number; count: number }
export interface StepSeriesCountRow { t: number; calls: number; errors: number; retries: number }
export interface StepSeriesLatencyRow { t: number; bucket: number; count: number }

const Q = [0.5, 0.95, 0.99];
const nameOut = (n: string) => (n === '' ? null : n);
const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);

class SagaAcc {
  byStatus = Object.fromEntries(SAGA_STATUSES.map((s) => [s, 0])) as Record<SagaStatus, number>;
  retries = 0;
  duration: Histogram = new Map();
  ttc: Histogram = new Map();
  ttr: Histogram = new Map();

  addCounts(r: SagaCountRow): void {
    if (r.status in this.byStatus) this.byStatus[r.status as SagaStatus] += r.calls;
    this.retries += r.retries;
  }

  addLatency(r: SagaLatencyRow): void {
    if (r.series === SERIES.sagaDuration) addTo(this.duration, r.bucket, r.count);
    else if (r.series === SERIES.timeToConsistency) addTo(this.ttc, r.bucket, r.count);
    else if (r.series === SERIES.timeToRepair) addTo(this.ttr, r.bucket, r.count);
  }

  result(): SagaAggregate {
    const s = this.byStatus;
    const count = SAGA_STATUSES.reduce((n, k) => n + s[k], 0);
    const finished = s.committed + s.compensated + s.failed;
    const [p50Ms, p95Ms, p99Ms] = percentiles(this.duration, Q);
    const [ttcP50Ms, ttcP95Ms] = percentiles(this.ttc, [0.5, 0.95]);
    const [ttrP50Ms, ttrP95Ms] = percentiles(this.ttr, [0.5, 0.95]);
    let repaired = 0;
    for (const n of this.ttr.values()) repaired += n;
    return {
      count, byStatus: { ...s }, finished,
      failureRate: rate(s.failed, finished),
      compensationRate: rate(s.compensated + s.failed, finished),
      p50Ms: p50Ms ?? null, p95Ms: p95Ms ?? null, p99Ms: p99Ms ?? null,
      ttcP50Ms: ttcP50Ms ?? null, ttcP95Ms: ttcP95Ms ?? null,
      repaired, ttrP50Ms: ttrP50Ms ?? null, ttrP95Ms: ttrP95Ms ?? null,
      retries: this.retries,
    };
  }
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

const stepKey = (r: { name: string; service: string; step: string; op: string }) => JSON.stringify([r.name, r.service, r.step, r.op]);

export interface StatsInput {
  range: MinuteRange;
  name: string | null;
  sagaCounts: readonly SagaCountRow[];
  sagaLatency: readonly SagaLatencyRow[];
  stepCounts: readonly StepCountRow[];
  stepLatency: readonly StepLatencyRow[];
  current: { failed: number; stuck: number };
  step: null | {
    step: string; service: string | null; op: string | null;
    counts: readonly StepSeriesCountRow[]; latency: readonly StepSeriesLatencyRow[];
  };
}

export function assembleStats(input: StatsInput): StatsResponse {
  const starts = bucketStarts(input.range);
  const perT = new Map<number, SagaAcc>(starts.map((t) => [t, new SagaAcc()]));
  const perName = new Map<string, SagaAcc>();
  const totals = new SagaAcc();
  for (const r of input.sagaCounts) {
    perT.get(r.t)?.addCounts(r);
    getOr(perName, r.name, () => new SagaAcc()).addCounts(r);
    totals.addCounts(r);
  }
  for (const r of input.sagaLatency) {
    perT.get(r.t)?.addLatency(r);
    getOr(perName, r.name, () => new SagaAcc()).addLatency(r);
    totals.addLatency(r);
  }

  const steps = new Map<string, { row: StepCountRow; h: Histogram }>();
  for (const r of input.stepCounts) {
    const cur = getOr(steps, stepKey(r), () => ({ row: { ...r, calls: 0, errors: 0, retries: 0 }, h: new Map() }));
    cur.row.calls += r.calls; cur.row.errors += r.errors; cur.row.retries += r.retries;
  }
  for (const r of input.stepLatency) {
    const cur = steps.get(stepKey(r));
    if (cur) addTo(cur.h, r.bucket, r.count);
  }
  const stepList: StepAggregate[] = [...steps.values()]
    .filter(({ row }) => row.calls > 0)
    .map(({ row, h }) => {
      const [p50Ms, p95Ms, p99Ms] = percentiles(h, Q);
      return {
        sagaName: nameOut(row.name), service: row.service, step: row.step, op: row.op,
        calls: row.calls, errors: row.errors, errorRate: rate(row.errors, row.calls), retries: row.retries,
        p50Ms: p50Ms ?? null, p95Ms: p95Ms ?? null, p99Ms: p99Ms ?? null,
      };
    })
    .sort((a, b) => b.errors - a.errors || (b.errorRate ?? 0) - (a.errorRate ?? 0) || b.calls - a.calls);

  return {
    from: new Date(input.range.fromMs).toISOString(),
    to: new Date(input.range.toMs).toISOString(),
    bucket: formatBucket(input.range.bucketMinutes),
    bucketMs: input.range.bucketMinutes * 60_000,
    name: input.name,
    errorBound: ERROR_BOUND,
    series: starts.map((t) => ({ t: new Date(t).toISOString(), ...perT.get(t)!.result() })),
    totals: totals.result(),
    byName: [...perName.entries()]
      .map(([name, acc]) => ({ name: nameOut(name), ...acc.result() }))
      .filter((a) => a.count > 0)
      .sort((a, b) => b.count - a.count),
    steps: stepList,
    current: input.current,
    step: input.step && {
      step: input.step.step, service: input.step.service, op: input.step.op,
      series: stepSeries(starts, input.step.counts, input.step.latency),
    },
  };
}

function stepSeries(starts: readonly number[], counts: readonly StepSeriesCountRow[], latency: readonly StepSeriesLatencyRow[]): StepPoint[] {
  const c = new Map<number, StepSeriesCountRow>();
  for (const r of counts) {
    const cur = getOr(c, r.t, () => ({ t: r.t, calls: 0, errors: 0, retries: 0 }));
    cur.calls += r.calls; cur.errors += r.errors; cur.retries += r.retries;
  }
  const h = new Map<number, Histogram>();
  for (const r of latency) addTo(getOr(h, r.t, () => new Map()), r.bucket, r.count);
  return starts.map((t) => {
    const row = c.get(t) ?? { calls: 0, errors: 0, retries: 0 };
    const [p50Ms, p95Ms, p99Ms] = percentiles(h.get(t) ?? new Map(), Q);
    return {
      t: new Date(t).toISOString(), calls: row.calls, errors: row.errors, errorRate: rate(row.errors, row.calls),
      retries: row.retries, p50Ms: p50Ms ?? null, p95Ms: p95Ms ?? null, p99Ms: p99Ms ?? null,
    };
  });
}

export interface NodeRow { service: string; calls: number; errors: number }
export interface EdgeRow { source: string; target: string; calls: number; errors: number }
export interface EdgeLatencyRow { source: string; target: string; bucket: number; count: number }

export function assembleTopology(
  meta: { fromMs: number; toMs: number; sagaName: string | null; sagaId: string | null },
  nodes: readonly NodeRow[], edges: readonly EdgeRow[], latency: readonly EdgeLatencyRow[],
): TopologyResponse {
  const nodeMap = new Map<string, NodeRow>();
  const addNode = (service: string, calls: number, errors: number) => {
    const n = getOr(nodeMap, service, () => ({ service, calls: 0, errors: 0 }));
    n.calls += calls; n.errors += errors;
  };
  for (const n of nodes) addNode(n.service, n.calls, n.errors);
  const edgeKey = (e: { source: string; target: string }) => JSON.stringify([e.source, e.target]);
  const edgeMap = new Map<string, EdgeRow & { h: Histogram }>();
  for (const e of edges) {
    const cur = getOr(edgeMap, edgeKey(e), () => ({ source: e.source, target: e.target, calls: 0, errors: 0, h: new Map() }));
    cur.calls += e.calls; cur.errors += e.errors;
    addNode(e.source, 0, 0); // a caller seen only through its calls is still a node
  }
  for (const l of latency) {
    const cur = edgeMap.get(edgeKey(l));
    if (cur) addTo(cur.h, l.bucket, l.count);
  }
  return {
    from: new Date(meta.fromMs).toISOString(),
    to: new Date(meta.toMs).toISOString(),
    sagaName: meta.sagaName,
    sagaId: meta.sagaId,
    nodes: [...nodeMap.values()]
      .filter((n) => n.calls > 0 || [...edgeMap.values()].some((e) => e.calls > 0 && e.source === n.service))
      .sort((a, b) => a.service.localeCompare(b.service))
      .map((n) => ({ id: n.service, service: n.service, calls: n.calls, errors: n.errors })),
    edges: [...edgeMap.values()]
      .filter((e) => e.calls > 0)
      .sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target))
      .map((e) => {
        const [p50Ms, p95Ms] = percentiles(e.h, [0.5, 0.95]);
        return { id: `${e.source}->${e.target}`, source: e.source, target: e.target, calls: e.calls, errors: e.errors, p50Ms: p50Ms ?? null, p95Ms: p95Ms ?? null };
      }),
  };
}
