/**
 * Reads for /api/stats and /api/topology: sums of rollup rows (never raw spans,
 * except for one saga's own graph), grouped by chart bucket; rates and
 * percentiles are computed by lib/stats/assemble.ts.
 */
import type { Db, Sql } from './connection';
import type { StatsQuery, TopologyQuery } from '../stats/query';
import type { StatsResponse, TopologyResponse } from '../stats/types';
import type { ModelConfig } from '../saga/types';
import { SERIES } from '../stats/series';
import { assembleStats, assembleTopology, type EdgeLatencyRow, type EdgeRow, type NodeRow } from '../stats/assemble';
import { contributionOf, isCounts } from '../stats/contribution';
import { buildSaga } from '../saga/model';
import { loadSagaSpans } from './saga-spans';

const T = (bucketSeconds: string) => `(floor(extract(epoch FROM minute) / ${bucketSeconds}) * ${bucketSeconds} * 1000)::float8`;
const iso = (ms: number) => new Date(ms).toISOString();

/** WHERE clause over a rollup table: series, [$1, $2) and optionally one saga name ($<nameParam>). */
function where(series: readonly number[], nameParam: number | null): string {
  const name = nameParam === null ? '' : ` AND saga_name = $${nameParam}`;
  return `series IN (${series.join(',')}) AND minute >= $1::timestamptz AND minute < $2::timestamptz${name}`;
}

/** PostgreSQL sums come back as bigint/numeric text: make them numbers. */
function ints<T extends object>(rows: T[], keys: (keyof T)[]): T[] {
  for (const r of rows) for (const k of keys) (r as Record<keyof T, unknown>)[k] = Number(r[k]);
  return rows;
}

export async function getStats(db: Db, q: StatsQuery, nowMs: number = Date.now()): Promise<StatsResponse> {
  const named = q.name !== null ? 4 : null;
  const base: unknown[] = [iso(q.range.fromMs), iso(q.range.toMs), q.range.bucketMinutes * 60];
  if (named !== null) base.push(q.name);
  const whole: unknown[] = q.name !== null ? [base[0], base[1], q.name] : [base[0], base[1]];
  const wholeNamed = q.name !== null ? 3 : null;
  const t = T('$3::float8');
  const [sagaCounts, sagaLatency, stepCounts, stepLatency, current, stepSeries] = await Promise.all([
    db.query<{ t: number; name: string; status: string; calls: number; retries: number }>(
      `SELECT ${t} AS t, saga_name AS name, k1 AS status, sum(calls) AS calls, sum(retries) AS retries
         FROM rollup_counts WHERE ${where([SERIES.saga], named)} GROUP BY 1, 2, 3`, base),
    db.query<{ t: number; name: string; series: number; bucket: number; count: number }>(
      `SELECT ${t} AS t, saga_name AS name, series, bucket, sum(count) AS count
         FROM rollup_latency WHERE ${where([SERIES.sagaDuration, SERIES.timeToConsistency], named)} GROUP BY 1, 2, 3, 4`, base),
    db.query<{ name: string; service: string; step: string; op: string; calls: number; errors: number; retries: number }>(
      `SELECT saga_name AS name, k1 AS service, k2 AS step, k3 AS op, sum(calls) AS calls, sum(errors) AS errors, sum(retries) AS retries
         FROM rollup_counts WHERE ${where([SERIES.step], wholeNamed)} GROUP BY 1, 2, 3, 4`, whole),
    db.query<{ name: string; service: string; step: string; op: string; bucket: number; count: number }>(
      `SELECT saga_name AS name, k1 AS service, k2 AS step, k3 AS op, bucket, sum(count) AS count
         FROM rollup_latency WHERE ${where([SERIES.step], wholeNamed)} GROUP BY 1, 2, 3, 4, 5`, whole),
    currentCounts(db, q, nowMs),
    q.step ? stepSeriesRows(db, q) : Promise.resolve(null),
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

async function stepSeriesRows(sql: Sql, q: StatsQuery) {
  const s = q.step!;
  const params: unknown[] = [iso(q.range.fromMs), iso(q.range.toMs), q.range.bucketMinutes * 60, q.name ?? '', s.step, s.service ?? '', s.op ?? ''];
  const filter = `series = ${SERIES.step} AND minute >= $1::timestamptz AND minute < $2::timestamptz
    AND ($4 = '' OR saga_name = $4) AND k2 = $5 AND ($6 = '' OR k1 = $6) AND ($7 = '' OR k3 = $7)`;
  const t = T('$3::float8');
  const [counts, latency] = await Promise.all([
    sql.query<{ t: number; calls: number; errors: number; retries: number }>(
      `SELECT ${t} AS t, sum(calls) AS calls, sum(errors) AS errors, sum(retries) AS retries FROM rollup_counts WHERE ${filter} GROUP BY 1`, params),
    sql.query<{ t: number; bucket: number; count: number }>(
      `SELECT ${t} AS t, bucket, sum(count) AS count FROM rollup_latency WHERE ${filter} GROUP BY 1, 2`, params),
  ]);
  return { counts: ints(counts, ['t', 'calls', 'errors', 'retries']), latency: ints(latency, ['t', 'bucket', 'count']) };
}

export async function getTopology(db: Db, q: TopologyQuery, cfg: ModelConfig): Promise<TopologyResponse | null> {
  if (q.sagaId !== null) return sagaTopology(db, q, cfg);
  const named = q.sagaName !== null ? 3 : null;
  const params: unknown[] = [iso(q.fromMs), iso(q.toMs)];
  if (named !== null) params.push(q.sagaName);
  const [nodes, edges, latency] = await Promise.all([
    db.query<NodeRow>(
      `SELECT k1 AS service, sum(calls) AS calls, sum(errors) AS errors FROM rollup_counts
        WHERE ${where([SERIES.service], named)} GROUP BY 1`, params),
    db.query<EdgeRow>(
      `SELECT k1 AS source, k2 AS target, sum(calls) AS calls, sum(errors) AS errors FROM rollup_counts
        WHERE ${where([SERIES.edge], named)} GROUP BY 1, 2`, params),
    db.query<EdgeLatencyRow>(
      `SELECT k1 AS source, k2 AS target, bucket, sum(count) AS count FROM rollup_latency
        WHERE ${where([SERIES.edge], named)} GROUP BY 1, 2, 3`, params),
  ]);
  return assembleTopology(q, ints(nodes, ['calls', 'errors']), ints(edges, ['calls', 'errors']), ints(latency, ['bucket', 'count']));
}

/** One saga's graph from its own spans (the same rules as the rollups; the time range does not apply). */
async function sagaTopology(db: Db, q: TopologyQuery, cfg: ModelConfig): Promise<TopologyResponse | null> {
  const spans = (await loadSagaSpans(db, [q.sagaId!])).get(q.sagaId!);
  if (!spans) return null;
  const c = contributionOf(buildSaga(q.sagaId!, spans, cfg), spans);
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
