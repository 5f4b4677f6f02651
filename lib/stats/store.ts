/**
 * Reads for /api/stats and /api/topology: sums of rollup rows (never raw spans,
 * except for one saga's own graph), grouped by chart bucket, from the hourly
 * tables where whole hours allow (lib/stats/sources.ts); rates and percentiles
 * are computed by lib/stats/assemble.ts.
 */
import type { Db, Sql } from '../db/connection';
import type { StatsQuery, TopologyQuery } from './query';
import type { StatsResponse, TopologyResponse } from './types';
import type { ModelConfig } from '../saga/types';
import { SERIES } from './series';
import { assembleStats, assembleTopology, type EdgeLatencyRow, type EdgeRow, type NodeRow } from './assemble';
import { contributionOf, isCounts } from './contribution';
import { loadSagaModel } from '../saga/model-store';
import { bucketSources, rangeSources, TABLES, type Source } from './sources';

const iso = (ms: number) => new Date(ms).toISOString();

/** PostgreSQL sums come back as bigint/numeric text: make them numbers. */
function ints<T extends object>(rows: T[], keys: (keyof T)[]): T[] {
  for (const r of rows) for (const k of keys) (r as Record<keyof T, unknown>)[k] = Number(r[k]);
  return rows;
}

/**
 * One grouped read over rollup rows from several sources (lib/stats/sources.ts):
 * `select` names columns of the union (`minute` is the row's time in either
 * grain), `filter` extra conditions; parameters are numbered as they are added.
 */
function rollupQuery(opts: {
  kind: 'counts' | 'latency';
  sources: readonly Source[];
  series: readonly number[];
  name: string | null;
  columns: string;
  filter?: (p: (v: unknown) => string) => string;
  select: (p: (v: unknown) => string) => string;
  groupBy: string;
}): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts = opts.sources.map((s) => {
    const t = TABLES[s.grain];
    const name = opts.name === null ? '' : ` AND saga_name = ${p(opts.name)}`;
    const extra = opts.filter ? ` AND ${opts.filter(p)}` : '';
    return `SELECT ${t.time} AS minute, ${opts.columns} FROM ${t[opts.kind]}
             WHERE series IN (${opts.series.join(',')}) AND ${t.time} >= ${p(iso(s.fromMs))}::timestamptz
               AND ${t.time} < ${p(iso(s.toMs))}::timestamptz${name}${extra}`;
  });
  const select = opts.select(p);
  return { text: `SELECT ${select} FROM (${parts.join(' UNION ALL ')}) r GROUP BY ${opts.groupBy}`, params };
}

// date_bin groups ~2.5× faster than floor(extract(epoch …)) arithmetic (193 → 77 ms
// over 230k rows in bench:query's 24 h): the bucket is computed on timestamps.
const bucketStart = (p: (v: unknown) => string, bucketSeconds: number) =>
  `(extract(epoch FROM date_bin(make_interval(secs => ${p(bucketSeconds)}::float8), minute, timestamptz 'epoch')) * 1000)::float8`;

async function run<T>(sql: Sql, q: { text: string; params: unknown[] }): Promise<T[]> {
  return sql.query<T>(q.text, q.params);
}

export async function getStats(db: Db, q: StatsQuery, nowMs: number = Date.now()): Promise<StatsResponse> {
  const { fromMs, toMs, bucketMinutes } = q.range;
  const perBucket = bucketSources(fromMs, toMs, bucketMinutes);
  const whole = rangeSources(fromMs, toMs);
  const seconds = bucketMinutes * 60;
  const [sagaCounts, sagaLatency, stepCounts, stepLatency, current, stepSeries] = await Promise.all([
    run<{ t: number; name: string; status: string; calls: number; retries: number }>(db, rollupQuery({
      kind: 'counts', sources: perBucket, series: [SERIES.saga], name: q.name, columns: 'saga_name, k1, calls, retries',
      select: (p) => `${bucketStart(p, seconds)} AS t, saga_name AS name, k1 AS status, sum(calls) AS calls, sum(retries) AS retries`,
      groupBy: '1, 2, 3',
    })),
    run<{ t: number; name: string; series: number; bucket: number; count: number }>(db, rollupQuery({
      kind: 'latency', sources: perBucket, series: [SERIES.sagaDuration, SERIES.timeToConsistency, SERIES.timeToRepair], name: q.name, columns: 'saga_name, series, bucket, count',
      select: (p) => `${bucketStart(p, seconds)} AS t, saga_name AS name, series, bucket, sum(count) AS count`,
      groupBy: '1, 2, 3, 4',
    })),
    run<{ name: string; service: string; step: string; op: string; calls: number; errors: number; retries: number }>(db, rollupQuery({
      kind: 'counts', sources: whole, series: [SERIES.step], name: q.name, columns: 'saga_name, k1, k2, k3, calls, errors, retries',
      select: () => 'saga_name AS name, k1 AS service, k2 AS step, k3 AS op, sum(calls) AS calls, sum(errors) AS errors, sum(retries) AS retries',
      groupBy: '1, 2, 3, 4',
    })),
    run<{ name: string; service: string; step: string; op: string; bucket: number; count: number }>(db, rollupQuery({
      kind: 'latency', sources: whole, series: [SERIES.step], name: q.name, columns: 'saga_name, k1, k2, k3, bucket, count',
      select: () => 'saga_name AS name, k1 AS service, k2 AS step, k3 AS op, bucket, sum(count) AS count',
      groupBy: '1, 2, 3, 4, 5',
    })),
    currentCounts(db, q, nowMs),
    q.step ? stepSeriesRows(db, q, perBucket) : Promise.resolve(null),
  ]);
  return assembleStats({
    range: q.range,
    name: q.name,
    sagaCounts: ints(sagaCounts, ['t', 'calls', 'retries']),
    sagaLatency: ints(sagaLatency, ['t', 'series', 'bucket', 'count']),
    stepCounts: ints(stepCounts, ['calls', 'errors', 'retries']),
    stepLatency: ints(stepLatency, ['bucket', 'count']),
    current,
    step: q.step && stepSeries && { ...q.step, ...stepSeries },
  });
}

/** Failed / stuck sagas started in the range, with due timed transitions applied (as the saga list filters). */
async function currentCounts(sql: Sql, q: StatsQuery, nowMs: number): Promise<{ failed: number; stuck: number }> {
  const is = (status: string) =>
    `((status = '${status}' AND (status_changes_at IS NULL OR status_changes_at > $3)) OR (status_after = '${status}' AND status_changes_at <= $3))`;
  const params: unknown[] = [iso(q.range.fromMs), iso(q.range.toMs), iso(nowMs)];
  if (q.name !== null) params.push(q.name);
  const [row] = await sql.query<{ failed: number; stuck: number }>(
    `SELECT count(*) FILTER (WHERE ${is('failed')}) AS failed, count(*) FILTER (WHERE ${is('stuck')}) AS stuck
       FROM sagas
      WHERE started_at >= $1 AND started_at < $2${q.name !== null ? ' AND name = $4' : ''}
        AND (status IN ('failed', 'stuck') OR status_after IN ('failed', 'stuck'))`,
    params,
  );
  return { failed: Number(row?.failed ?? 0), stuck: Number(row?.stuck ?? 0) };
}

async function stepSeriesRows(sql: Sql, q: StatsQuery, sources: readonly Source[]) {
  const s = q.step!;
  const seconds = q.range.bucketMinutes * 60;
  const filter = (p: (v: unknown) => string) =>
    [`k2 = ${p(s.step)}`, ...(s.service ? [`k1 = ${p(s.service)}`] : []), ...(s.op ? [`k3 = ${p(s.op)}`] : [])].join(' AND ');
  const [counts, latency] = await Promise.all([
    run<{ t: number; calls: number; errors: number; retries: number }>(sql, rollupQuery({
      kind: 'counts', sources, series: [SERIES.step], name: q.name, columns: 'calls, errors, retries', filter,
      select: (p) => `${bucketStart(p, seconds)} AS t, sum(calls) AS calls, sum(errors) AS errors, sum(retries) AS retries`,
      groupBy: '1',
    })),
    run<{ t: number; bucket: number; count: number }>(sql, rollupQuery({
      kind: 'latency', sources, series: [SERIES.step], name: q.name, columns: 'bucket, count', filter,
      select: (p) => `${bucketStart(p, seconds)} AS t, bucket, sum(count) AS count`,
      groupBy: '1, 2',
    })),
  ]);
  return { counts: ints(counts, ['t', 'calls', 'errors', 'retries']), latency: ints(latency, ['t', 'bucket', 'count']) };
}

/** maxSagaSpans (SAGASCOPE_MAX_SAGA_SPANS) applies to the per-saga graph: the saga as its page shows it. */
export async function getTopology(db: Db, q: TopologyQuery, cfg: ModelConfig, maxSagaSpans: number): Promise<TopologyResponse | null> {
  if (q.sagaId !== null) return sagaTopology(db, q, cfg, maxSagaSpans);
  const sources = rangeSources(q.fromMs, q.toMs);
  const [nodes, edges, latency] = await Promise.all([
    run<NodeRow>(db, rollupQuery({
      kind: 'counts', sources, series: [SERIES.service], name: q.sagaName, columns: 'k1, calls, errors',
      select: () => 'k1 AS service, sum(calls) AS calls, sum(errors) AS errors', groupBy: '1',
    })),
    run<EdgeRow>(db, rollupQuery({
      kind: 'counts', sources, series: [SERIES.edge], name: q.sagaName, columns: 'k1, k2, calls, errors',
      select: () => 'k1 AS source, k2 AS target, sum(calls) AS calls, sum(errors) AS errors', groupBy: '1, 2',
    })),
    run<EdgeLatencyRow>(db, rollupQuery({
      kind: 'latency', sources, series: [SERIES.edge], name: q.sagaName, columns: 'k1, k2, bucket, count',
      select: () => 'k1 AS source, k2 AS target, bucket, sum(count) AS count', groupBy: '1, 2, 3',
    })),
  ]);
  return assembleTopology(q, ints(nodes, ['calls', 'errors']), ints(edges, ['calls', 'errors']), ints(latency, ['bucket', 'count']));
}

/**
 * One saga's graph from its own spans (the same rules as the rollups; the time range does not apply),
 * modelled as its page and its summary are (lib/saga/model-store.ts): an oversized saga's later spans are not in it.
 */
async function sagaTopology(db: Db, q: TopologyQuery, cfg: ModelConfig, maxSagaSpans: number): Promise<TopologyResponse | null> {
  const modelled = await loadSagaModel(db, q.sagaId!, cfg, maxSagaSpans);
  if (!modelled) return null;
  const c = contributionOf(modelled.saga, modelled.spans);
  const nodes: NodeRow[] = [];
  const edges: EdgeRow[] = [];
  const latency: EdgeLatencyRow[] = [];
  for (const e of c.entries) {
    if (e[0] === SERIES.service && isCounts(e)) nodes.push({ service: e[2], calls: e[6], errors: e[7]! });
    else if (e[0] === SERIES.edge && isCounts(e)) edges.push({ source: e[2], target: e[3], calls: e[6], errors: e[7]! });
    else if (e[0] === SERIES.edge) latency.push({ source: e[2], target: e[3], bucket: e[5], count: e[6] });
  }
  return assembleTopology(q, nodes, edges, latency);
}
