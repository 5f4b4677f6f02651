/**
 * /api/stats and /api/topology against values computed independently from the
 * raw spans (issue 5): 60 sagas of two names over ~20 minutes, sent through the
 * collector in shuffled batches with re-sent duplicates, so rollups are built
 * by many incremental deltas. Counts must match exactly; percentiles within the
 * histogram's stated error bound of PostgreSQL's exact percentile_disc.
 * Then a saga left running turns stuck through the timed-transition pass and the
 * rollups move it from running to stuck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { hex, makeSpan, sendSpans } from '../support/spans';
import { ERROR_BOUND } from '../../lib/stats/histogram';
import { seededRandom } from '../../lib/random';
import type { FlatSpan } from '../../lib/otlp/types';
import { compactRollups, RollupCompactor } from '../../lib/stats/rollup-writer';
import type { StatsResponse, TopologyResponse } from '../../lib/stats/types';
import * as statsRoute from '../../app/api/stats/route';
import * as topologyRoute from '../../app/api/topology/route';

const rand = seededRandom(42);
const NOW = Date.now();
const FROM = new Date(NOW - 40 * 60_000).toISOString();
const TO = new Date(NOW + 60_000).toISOString();
const STUCK_AFTER_MS = 4_000;
/** How far the collector's transition clock runs ahead of the wall clock: moved by the tests instead of waiting. */
let clockAheadMs = 0;
let env: TestEnv;
let uniqueSpans = 0;

/** One saga: a coordinator root, and per step a client span (orchestrator) with the participant's server span under it. */
function saga(i: number): FlatSpan[] {
  const name = i % 3 === 0 ? 'refund' : 'checkout';
  const traceId = hex(16);
  const id = `stats-${i}`;
  const t0 = NOW - 30 * 60_000 + i * 20_000;
  const steps = [
    { step: 'create-order', service: 'order' },
    { step: 'reserve', service: 'inventory' },
    { step: 'charge', service: 'payment' },
  ];
  const failAt = i % 5 === 0 ? 2 : -1; // charge fails: compensate reserve and create-order
  const retried = i % 7 === 0; // reserve retried once after a failure
  const base = { 'saga.id': id, 'saga.name': name, 'saga.protocol': 'saga' };
  const root = makeSpan({ traceId, service: 'orchestrator', name: 'saga', kind: 1, startMs: t0, endMs: t0, attributes: { ...base, 'saga.role': 'coordinator' } });
  const out: FlatSpan[] = [root];
  let t = t0 + 5;
  const call = (step: string, service: string, op: string, fail: boolean, attempt = 1) => {
    const dur = 5 + Math.floor(rand() * 400);
    const client = makeSpan({ traceId, parentSpanId: root.spanId, service: 'orchestrator', name: `POST /${step}`, kind: 3, startMs: t, endMs: t + dur + 2, statusCode: fail ? 2 : 0 });
    const server = makeSpan({
      traceId, parentSpanId: client.spanId, service, name: `${op} ${step}`, kind: 2, startMs: t + 1, endMs: t + 1 + dur, statusCode: fail ? 2 : 0,
      attributes: { ...base, 'saga.role': 'participant', 'saga.step': step, 'saga.op': op, 'saga.attempt': attempt },
    });
    out.push(client, server);
    t += dur + 10;
  };
  steps.forEach((s, k) => {
    if (failAt >= 0 && k > failAt) return;
    if (retried && s.step === 'reserve') call(s.step, s.service, 'action', true, 1);
    call(s.step, s.service, 'action', k === failAt, retried && s.step === 'reserve' ? 2 : 1);
  });
  if (failAt >= 0) for (let k = failAt - 1; k >= 0; k--) call(steps[k]!.step, steps[k]!.service, 'compensate', false);
  root.endMs = t + 5;
  return out;
}

const send = (spans: FlatSpan[]) => sendSpans(env.httpUrl, spans);

async function get<T>(route: { GET(r: Request): Promise<Response> }, path: string): Promise<T> {
  const res = await route.GET(new Request(`http://127.0.0.1${path}`));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const sql = <T>(text: string, params: unknown[] = []) => env.db.query<T>(text, params);
const near = (got: number | null, want: number) => {
  expect(got).not.toBeNull();
  expect(Math.abs(got! - want) / want, `got ${got}, exact ${want}`).toBeLessThanOrEqual(ERROR_BOUND + 1e-9);
};

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_AUTH: 'off', SAGASCOPE_STUCK_AFTER_MS: String(STUCK_AFTER_MS), SAGASCOPE_TRANSITION_INTERVAL_MS: '3600000',
    // The tests fold pending rollup changes themselves; a periodic pass would race their "who folds" checks.
    SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS: '3600000' }, { now: () => Date.now() + clockAheadMs });
  setSharedDb(env.db);
  const spans = Array.from({ length: 60 }, (_, i) => saga(i)).flat();
  uniqueSpans = spans.length;
  // Shuffle, then send in uneven batches, re-sending some spans.
  for (let i = spans.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [spans[i], spans[j]] = [spans[j]!, spans[i]!];
  }
  for (let i = 0; i < spans.length; ) {
    const n = 1 + Math.floor(rand() * 60);
    const batch = spans.slice(i, i + n);
    await send(rand() < 0.2 ? [...batch, ...spans.slice(Math.max(0, i - 10), i)] : batch);
    i += n;
  }
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('GET /api/stats against the raw data', () => {
  it('saga counts per name and status equal the stored sagas; every span was stored once', async () => {
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM spans`);
    expect(n).toBe(uniqueSpans);
    const stats = await get<StatsResponse>(statsRoute, `/api/stats?from=${FROM}&to=${TO}`);
    const rows = await sql<{ name: string | null; status: string; n: number }>(`SELECT name, status, count(*)::int AS n FROM sagas GROUP BY 1, 2`);
    for (const r of rows) expect(stats.byName.find((b) => b.name === r.name)!.byStatus[r.status as 'committed']).toBe(r.n);
    expect(stats.totals.count).toBe(60);
    expect(stats.totals.byStatus).toMatchObject({ committed: 48, compensated: 12 });
    expect(stats.totals.failureRate).toBe(0);
    expect(stats.totals.compensationRate).toBeCloseTo(12 / 60, 9);
    expect(stats.series.reduce((s, p) => s + p.count, 0)).toBe(60);
    expect(stats.totals.retries).toBe(Math.ceil(60 / 7));
  });

  it('duration and time-to-consistency percentiles are within the error bound of exact ones', async () => {
    for (const name of ['checkout', 'refund']) {
      const stats = await get<StatsResponse>(statsRoute, `/api/stats?from=${FROM}&to=${TO}&name=${name}`);
      const [exact] = await sql<{ p50: number; p95: number; p99: number; ttc95: number | null }>(
        `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50, percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
                percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99,
                percentile_disc(0.95) WITHIN GROUP (ORDER BY time_to_consistency_ms) AS ttc95
           FROM sagas WHERE name = $1`, [name]);
      near(stats.totals.p50Ms, exact!.p50);
      near(stats.totals.p95Ms, exact!.p95);
      near(stats.totals.p99Ms, exact!.p99);
      near(stats.totals.ttcP95Ms, exact!.ttc95!);
    }
  });

  it('step calls, errors, retries and latency equal the participant spans', async () => {
    const stats = await get<StatsResponse>(statsRoute, `/api/stats?from=${FROM}&to=${TO}`);
    const raw = await sql<{ name: string; service: string; step: string; op: string; calls: number; errors: number; retries: number; p95: number }>(
      `SELECT saga_name AS name, service, step, op, count(*)::int AS calls, (count(*) FILTER (WHERE status_code = 2))::int AS errors,
              (count(*) FILTER (WHERE attempt > 1))::int AS retries, percentile_disc(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95
         FROM spans WHERE step IS NOT NULL GROUP BY 1, 2, 3, 4`);
    expect(stats.steps).toHaveLength(raw.length);
    for (const r of raw) {
      const s = stats.steps.find((x) => x.sagaName === r.name && x.service === r.service && x.step === r.step && x.op === r.op)!;
      expect(s, `${r.name}/${r.step}/${r.op}`).toMatchObject({ calls: r.calls, errors: r.errors, retries: r.retries });
      near(s.p95Ms, r.p95);
    }
    expect(stats.steps[0]!.step).toBe('charge'); // most errors first
  });

  it('one step over time: the series adds up to the step total', async () => {
    const stats = await get<StatsResponse>(statsRoute, `/api/stats?from=${FROM}&to=${TO}&name=checkout&step=reserve&service=inventory&op=action&bucket=5m`);
    const [raw] = await sql<{ calls: number; errors: number }>(
      `SELECT count(*)::int AS calls, (count(*) FILTER (WHERE status_code = 2))::int AS errors FROM spans
        WHERE saga_name = 'checkout' AND step = 'reserve' AND op = 'action'`);
    expect(stats.step!.series.reduce((n, p) => n + p.calls, 0)).toBe(raw!.calls);
    expect(stats.step!.series.reduce((n, p) => n + p.errors, 0)).toBe(raw!.errors);
    expect(stats.bucketMs).toBe(300_000);
  });

  it('a bad query is a 400 with a message', async () => {
    const res = await statsRoute.GET(new Request('http://127.0.0.1/api/stats?bucket=soon'));
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/bucket/);
  });
});

describe('hourly rollups', () => {
  it('a range of whole hours (read from the hourly tables) gives the same figures as the minutes', async () => {
    const wideFrom = new Date(Math.floor((NOW - 3 * 3_600_000) / 3_600_000) * 3_600_000).toISOString();
    const wideTo = new Date(Math.ceil((NOW + 3_600_000) / 3_600_000) * 3_600_000).toISOString();
    const narrow = await get<StatsResponse>(statsRoute, `/api/stats?from=${FROM}&to=${TO}`);
    for (const bucket of ['5m', '1h']) {
      const wide = await get<StatsResponse>(statsRoute, `/api/stats?from=${wideFrom}&to=${wideTo}&bucket=${bucket}`);
      expect(wide.totals).toEqual(narrow.totals);
      expect(wide.byName).toEqual(narrow.byName);
      expect(wide.steps).toEqual(narrow.steps);
    }
    const t1 = await get<TopologyResponse>(topologyRoute, `/api/topology?from=${FROM}&to=${TO}`);
    const t2 = await get<TopologyResponse>(topologyRoute, `/api/topology?from=${wideFrom}&to=${wideTo}`);
    expect(t2.nodes).toEqual(t1.nodes);
    expect(t2.edges).toEqual(t1.edges);
    // And once the pending changes are folded, the hourly tables hold exactly the sums of the minutes.
    await compactRollups(env.db, { wait: true });
    const [diff] = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT series, date_trunc('hour', minute, 'UTC') AS h, saga_name, k1, k2, k3, bucket, sum(count) AS c FROM rollup_latency GROUP BY 1, 2, 3, 4, 5, 6, 7
         EXCEPT SELECT series, hour, saga_name, k1, k2, k3, bucket, count FROM rollup_latency_hourly) d`);
    expect(diff!.n).toBe(0);
  });

  it('pending rollup changes count before they are folded, and folding changes nothing a reader sees', async () => {
    const wideFrom = new Date(Math.floor((NOW - 3 * 3_600_000) / 3_600_000) * 3_600_000).toISOString();
    const wideTo = new Date(Math.ceil((NOW + 3_600_000) / 3_600_000) * 3_600_000).toISOString();
    const queries = [`/api/stats?from=${FROM}&to=${TO}`, `/api/stats?from=${wideFrom}&to=${wideTo}&bucket=1h`];
    await compactRollups(env.db, { wait: true });
    const before = await Promise.all(queries.map((q) => get<StatsResponse>(statsRoute, q)));
    // Turn every folded row back into a pending change: readers must add them up the same way.
    const C = 'series, minute, saga_name, k1, k2, k3, calls, errors, retries, extra';
    const L = 'series, minute, saga_name, k1, k2, k3, bucket, count';
    await sql(`INSERT INTO rollup_counts_delta (${C}) SELECT ${C} FROM rollup_counts`);
    await sql(`INSERT INTO rollup_latency_delta (${L}) SELECT ${L} FROM rollup_latency`);
    for (const t of ['rollup_counts', 'rollup_latency', 'rollup_counts_hourly', 'rollup_latency_hourly']) await sql(`DELETE FROM ${t}`);
    expect(await Promise.all(queries.map((q) => get<StatsResponse>(statsRoute, q)))).toEqual(before);
    // Two collectors folding at once: one does it, the other finds the lock taken.
    const folded = await Promise.all([compactRollups(env.db), compactRollups(env.db)]);
    expect(folded.map((r) => r.moved).sort((a, b) => a - b)[1]).toBeGreaterThan(0);
    const [{ left }] = await sql<{ left: number }>(
      `SELECT ((SELECT count(*) FROM rollup_counts_delta) + (SELECT count(*) FROM rollup_latency_delta))::int AS left`);
    expect(left).toBe(0);
    expect(await Promise.all(queries.map((q) => get<StatsResponse>(statsRoute, q)))).toEqual(before);
  });
});

describe('the delta tables stay small', () => {
  it('the compactor vacuums them once enough rows were folded, so readers do not scan dead pages', async () => {
    await compactRollups(env.db, { wait: true });
    const L = 'series, minute, saga_name, k1, k2, k3, bucket, count';
    const size = async () => (await sql<{ n: number }>(`SELECT pg_relation_size('rollup_latency_delta')::int AS n`))[0]!.n;
    const before = await sql<{ k: string }>(`SELECT ${L} FROM rollup_latency_all ORDER BY ${L}`);
    // Many changes that cancel out: appended, then folded, they leave no live row behind.
    await sql(`INSERT INTO rollup_latency_delta (${L})
                 SELECT 9, date_trunc('minute', now()), 'vacuum-test', '', '', '', ((g / 2) % 100)::int2, CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END
                   FROM generate_series(0, 19999) g`);
    expect(await size()).toBeGreaterThan(0);
    const compactor = new RollupCompactor(env.db, 30_000);
    const first = await compactor.pass({ wait: true });
    expect(first).toMatchObject({ moved: 20_000, vacuumed: false });
    await sql(`INSERT INTO rollup_latency_delta (${L})
                 SELECT 9, date_trunc('minute', now()), 'vacuum-test', '', '', '', ((g / 2) % 100)::int2, CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END
                   FROM generate_series(0, 9999) g`);
    expect(await compactor.pass({ wait: true })).toMatchObject({ moved: 10_000, vacuumed: true });
    expect(await size()).toBe(0);
    expect(await sql(`SELECT ${L} FROM rollup_latency_all ORDER BY ${L}`)).toEqual(before);
  });
});

describe('GET /api/topology against the raw spans', () => {
  it('nodes are entry spans per service and edges parent → child across services, with exact counts and p95 within bound', async () => {
    const topo = await get<TopologyResponse>(topologyRoute, `/api/topology?from=${FROM}&to=${TO}`);
    const nodes = await sql<{ service: string; calls: number; errors: number }>(
      `SELECT c.service, count(*)::int AS calls, (count(*) FILTER (WHERE c.status_code = 2))::int AS errors
         FROM spans c LEFT JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
        WHERE c.saga_id IS NOT NULL AND (p.span_id IS NULL OR p.service <> c.service) GROUP BY 1 ORDER BY 1`);
    expect(topo.nodes.map(({ service, calls, errors }) => ({ service, calls, errors }))).toEqual(nodes);
    const edges = await sql<{ source: string; target: string; calls: number; errors: number; p95: number }>(
      `SELECT p.service AS source, c.service AS target, count(*)::int AS calls, (count(*) FILTER (WHERE c.status_code = 2))::int AS errors,
              percentile_disc(0.95) WITHIN GROUP (ORDER BY c.duration_ms) AS p95
         FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
        WHERE c.saga_id IS NOT NULL AND p.service <> c.service GROUP BY 1, 2 ORDER BY 1, 2`);
    expect(edges.map((e) => `${e.source}->${e.target}`)).toEqual(['orchestrator->inventory', 'orchestrator->order', 'orchestrator->payment']);
    for (const e of edges) {
      const got = topo.edges.find((x) => x.source === e.source && x.target === e.target)!;
      expect(got).toMatchObject({ calls: e.calls, errors: e.errors });
      near(got.p95Ms, e.p95);
    }
  });

  it('one saga name, one saga', async () => {
    const refund = await get<TopologyResponse>(topologyRoute, `/api/topology?from=${FROM}&to=${TO}&sagaName=refund`);
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE saga_name = 'refund' AND service = 'payment'`);
    expect(refund.nodes.find((x) => x.service === 'payment')!.calls).toBe(n);
    const one = await get<TopologyResponse>(topologyRoute, `/api/topology?sagaId=stats-5`);
    expect(one.edges.map((e) => e.target)).toEqual(['inventory', 'order', 'payment']);
    expect(one.edges.find((e) => e.target === 'payment')!.errors).toBe(1);
    const missing = await topologyRoute.GET(new Request('http://127.0.0.1/api/topology?sagaId=nope'));
    expect(missing.status).toBe(404);
  });
});

describe('timed transitions reach the rollups', () => {
  it('a saga left running is counted as stuck once the transition pass ran', async () => {
    const traceId = hex(16);
    const t0 = Date.now() - 1000;
    const root = makeSpan({ traceId, service: 'orchestrator', name: 'saga', startMs: t0, endMs: t0 + 5, attributes: { 'saga.id': 'stalls', 'saga.name': 'stall', 'saga.role': 'coordinator' } });
    root.endMs = 0 as unknown as number; // never ends: the saga stays running
    await send([makeSpan({ traceId, parentSpanId: root.spanId, service: 'order', startMs: t0 + 1, endMs: t0 + 20, attributes: { 'saga.id': 'stalls', 'saga.name': 'stall', 'saga.step': 'create-order', 'saga.op': 'action' } })]);
    const q = `/api/stats?from=${new Date(t0 - 120_000).toISOString()}&to=${new Date(t0 + 120_000).toISOString()}&name=stall`;
    expect((await get<StatsResponse>(statsRoute, q)).totals.byStatus).toMatchObject({ running: 1, stuck: 0 });
    expect(await env.collector.transitions.runNow()).toBe(0); // not due yet
    clockAheadMs = STUCK_AFTER_MS + 500;
    expect(await env.collector.transitions.runNow()).toBe(1);
    const after = await get<StatsResponse>(statsRoute, q);
    expect(after.totals.byStatus).toMatchObject({ running: 0, stuck: 1 });
    expect(after.current.stuck).toBe(1);
    const [row] = await sql<{ status: string; status_after: string | null }>(`SELECT status, status_after FROM sagas WHERE id = 'stalls'`);
    expect(row).toEqual({ status: 'stuck', status_after: null });
    expect(await env.collector.transitions.runNow()).toBe(0);
  });
});

describe('rollups after an upgrade, and their retention', () => {
  const snapshot = () => sql<{ k: string }>(
    `SELECT series || '|' || minute || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 || '|' || sum(calls) || '|' || sum(errors) AS k
       FROM rollup_counts_all GROUP BY series, minute, saga_name, k1, k2, k3 HAVING sum(calls) <> 0 OR sum(errors) <> 0 ORDER BY 1`);

  it('summaries without a stored contribution (written before rollups) are backfilled once, to the same rollups', async () => {
    const before = await snapshot();
    // What a database from before rollups looks like: summaries, no contributions, no rollup rows.
    await sql(`UPDATE sagas SET rollup = NULL`);
    for (const t of ['rollup_counts', 'rollup_latency', 'rollup_counts_hourly', 'rollup_latency_hourly', 'rollup_counts_delta', 'rollup_latency_delta']) {
      await sql(`DELETE FROM ${t}`);
    }
    const { backfillRollups } = await import('../../lib/ingest/rollup-backfill');
    const { modelConfigFrom } = await import('../../lib/config/model');
    const r = await backfillRollups(env.db, (now) => modelConfigFrom(env.config, now), { maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS, batchSize: 7, now: () => Date.now() + clockAheadMs });
    expect(r).toEqual({ sagas: 61, complete: true });
    expect(await snapshot()).toEqual(before);
    expect(await backfillRollups(env.db, (now) => modelConfigFrom(env.config, now), { maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS })).toEqual({ sagas: 0, complete: true });
  });

  it('rollup retention deletes rows older than its cutoff only', async () => {
    const { pruneExpiredRollups } = await import('../../lib/retention/store');
    await compactRollups(env.db, { wait: true });
    const cutoff = new Date(NOW - 20 * 60_000);
    const [{ old, recent }] = await sql<{ old: number; recent: number }>(
      `SELECT (count(*) FILTER (WHERE minute < $1))::int AS old, (count(*) FILTER (WHERE minute >= $1))::int AS recent FROM rollup_counts`, [cutoff]);
    expect(old).toBeGreaterThan(0);
    const deleted = await pruneExpiredRollups(env.db, cutoff, 10);
    expect(deleted).toBeGreaterThanOrEqual(old);
    const [after] = await sql<{ old: number; recent: number }>(
      `SELECT (count(*) FILTER (WHERE minute < $1))::int AS old, (count(*) FILTER (WHERE minute >= $1))::int AS recent FROM rollup_counts`, [cutoff]);
    expect(after).toEqual({ old: 0, recent });
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM rollup_latency WHERE minute < $1`, [cutoff]);
    expect(n).toBe(0);
  });
});
