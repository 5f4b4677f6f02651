/**
 * Two collectors on one database, without a global lock (ADR 0012): each
 * ingest transaction locks the summary rows of its own sagas. Real parts: two
 * collector instances with a pool each, OTLP/HTTP requests, one PostgreSQL.
 *
 * - the same sagas' spans split across both collectors, children before their
 *   parents, re-sent requests, all at once: every summary and every rollup
 *   equals a from-scratch rebuild (the same spans written in one batch into a
 *   fresh database) and the rollups equal the sum of the stored contributions;
 * - the lost-link interleaving, forced: an orphan and its parent stored by two
 *   overlapping transactions that cannot see each other's rows;
 * - a batch does not wait for a batch on other sagas; overlapping batches that
 *   lock the same sagas in different orders all finish (no deadlock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createScratchDatabase, SPAN_PARTITIONS, startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan } from '../support/spans';
import { untilLockWaiters } from '../support/lock-waits';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { openDb, type Db } from '../../lib/db/connection';
import { openMigratedDb } from '../../lib/db/setup';
import { parseConfig } from '../../lib/config/env';
import { startCollector, type RunningCollector } from '../../collector/start-collector';
import { toSpanRows } from '../../lib/ingest/span-row';
import { writeSpanBatch } from '../../lib/ingest/span-writer';
import { modelConfigFrom } from '../../lib/config/model';
import { loadSagaSpans } from '../../lib/saga/span-store';
import { buildSaga } from '../../lib/saga/model';
import { contributionOf, decodeContribution, encodeContribution } from '../../lib/stats/contribution';
import { RollupDelta } from '../../lib/stats/delta';
import { compactRollups } from '../../lib/stats/rollup-writer';
import type { FlatSpan } from '../../lib/otlp/types';

// Every database and collector here in this run's span layout, as the harness builds env's.
const QUIET = { SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS: '3600000', SAGASCOPE_TRANSITION_INTERVAL_MS: '3600000', SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS };

let env: TestEnv;
let db2: Db;
let second: RunningCollector;
beforeAll(async () => {
  env = await startTestEnv(QUIET);
  if (!env.databaseUrl) return;
  // The second collector: its own process state and its own pool, as a second replica would have.
  const config = parseConfig({ ...QUIET, DATABASE_URL: env.databaseUrl, SAGASCOPE_DATA_DIR: 'memory://', COLLECTOR_GRPC_PORT: '0', COLLECTOR_HTTP_PORT: '0' });
  db2 = await openDb(config);
  second = await startCollector(db2, config);
}, 120_000);
afterAll(async () => {
  await second?.close();
  await db2?.close();
  await env?.close();
});

const cfg = (now: number) => modelConfigFrom(env.config, now);
const opts = () => ({ maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS });
const write = (db: Db, spans: FlatSpan[]) => writeSpanBatch(db, toSpanRows(spans), cfg, opts());

async function post(url: string, spans: FlatSpan[]): Promise<number> {
  const res = await fetch(`${url}/v1/traces`, {
    method: 'POST', body: Buffer.from(encodeProtobufRequest(spans)), headers: { 'Content-Type': 'application/x-protobuf' },
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * One saga over two traces: the first with the coordinator and its steps (each
 * step with a child that carries no saga id, as auto-instrumented client spans
 * do), a follow-up trace whose root names the saga and whose descendants do not.
 */
function sagaSpans(prefix: string, i: number): FlatSpan[] {
  const id = `${prefix}-${i}`;
  const t0 = Date.now() - 120_000 + i * 37;
  const trace = hex(16);
  const root = makeSpan({
    traceId: trace, service: 'orchestrator', name: 'saga', startMs: t0, endMs: t0 + 90,
    attributes: { 'saga.id': id, 'saga.name': `${prefix}-${i % 3}`, 'saga.role': 'coordinator' },
  });
  const spans = [root];
  const failAt = i % 5 === 0 ? 2 : -1;
  ['order', 'stock', 'pay'].forEach((step, s) => {
    if (failAt >= 0 && s > failAt) return;
    const stepSpan = makeSpan({
      traceId: trace, parentSpanId: root.spanId, service: step, name: step, startMs: t0 + 1 + s * 10, endMs: t0 + 9 + s * 10,
      statusCode: s === failAt ? 2 : 0,
      attributes: { 'saga.id': id, 'saga.step': step, 'saga.op': 'action', 'saga.step_index': s },
    });
    spans.push(stepSpan, makeSpan({ traceId: trace, parentSpanId: stepSpan.spanId, service: step, name: 'db query', startMs: t0 + 2 + s * 10, endMs: t0 + 4 + s * 10 }));
  });
  if (failAt >= 0) {
    spans.push(makeSpan({
      traceId: trace, parentSpanId: root.spanId, service: 'order', name: 'order compensate', startMs: t0 + 50, endMs: t0 + 52,
      attributes: { 'saga.id': id, 'saga.step': 'order', 'saga.op': 'compensate', 'saga.step_index': 0 },
    }));
  }
  const follow = hex(16);
  const resumed = makeSpan({
    traceId: follow, service: 'orchestrator', name: 'resume', startMs: t0 + 60, endMs: t0 + 80,
    attributes: { 'saga.id': id, 'saga.step': 'ship', 'saga.op': 'action', 'saga.step_index': 3 },
  });
  const child = makeSpan({ traceId: follow, parentSpanId: resumed.spanId, service: 'ship', name: 'carrier call', startMs: t0 + 61, endMs: t0 + 70 });
  const grandchild = makeSpan({ traceId: follow, parentSpanId: child.spanId, service: 'ship', name: 'http', startMs: t0 + 62, endMs: t0 + 69 });
  spans.push(resumed, child, grandchild);
  return spans;
}

/** What a summary is, without the columns that say when it was written or when its spans were received. */
async function summaries(db: Db, prefix: string) {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT id, name, protocol, status, status_after, anomalies, anomalies_after, started_at, last_span_end_at, duration_ms,
            ARRAY(SELECT unnest(services) ORDER BY 1) AS services, ARRAY(SELECT unnest(trace_ids) ORDER BY 1) AS trace_ids,
            step_count, span_count, failed_step, compensation_count, time_to_consistency_ms, rollup
       FROM sagas WHERE id LIKE $1 ORDER BY id`, [`${prefix}-%`]);
  return rows.map((r) => ({ ...r, started_at: String(r.started_at), last_span_end_at: String(r.last_span_end_at) }));
}

/** The rollups as readers see them (folded and pending), per key. */
async function rollups(db: Db, prefix: string) {
  await compactRollups(db, { wait: true });
  const counts = await db.query<{ k: string; v: string }>(
    `SELECT series || '|' || (extract(epoch FROM minute)::bigint / 60) || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 AS k,
            sum(calls) || ',' || sum(errors) || ',' || sum(retries) || ',' || sum(extra) AS v
       FROM rollup_counts_all WHERE saga_name LIKE $1 GROUP BY 1 HAVING sum(calls) <> 0 OR sum(errors) <> 0 OR sum(retries) <> 0 OR sum(extra) <> 0`,
    [`${prefix}-%`]);
  const latency = await db.query<{ k: string; v: string }>(
    `SELECT series || '|' || (extract(epoch FROM minute)::bigint / 60) || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 || '|' || bucket AS k,
            sum(count)::text AS v
       FROM rollup_latency_all WHERE saga_name LIKE $1 GROUP BY 1 HAVING sum(count) <> 0`,
    [`${prefix}-%`]);
  return { counts: new Map(counts.map((r) => [r.k, r.v])), latency: new Map(latency.map((r) => [r.k, r.v])) };
}

/** Every summary equals the model of its stored spans; the rollups equal the sum of the stored contributions. */
async function expectExact(db: Db, prefix: string, sagas: number) {
  const rows = await db.query<{ id: string; span_count: number; status: string; rollup: string | null }>(
    `SELECT id, span_count, status, rollup FROM sagas WHERE id LIKE $1 ORDER BY id`, [`${prefix}-%`]);
  expect(rows).toHaveLength(sagas);
  const spansOf = await loadSagaSpans(db, rows.map((r) => r.id));
  const model = cfg(Date.now());
  const sum = new RollupDelta();
  for (const row of rows) {
    const own = spansOf.get(row.id)!;
    const saga = buildSaga(row.id, own, model);
    expect({ id: row.id, spans: row.span_count, status: row.status }).toEqual({ id: row.id, spans: own.length, status: saga.status });
    expect(row.rollup).toBe(encodeContribution(contributionOf(saga, own)));
    sum.change(null, decodeContribution(row.rollup));
  }
  const { counts, latency } = sum.rows();
  const expected = new Map<string, string>();
  counts.series.forEach((s, i) => expected.set(`${s}|${counts.minute[i]}|${counts.name[i]}|${counts.k1[i]}|${counts.k2[i]}|${counts.k3[i]}`,
    `${counts.calls[i]},${counts.errors[i]},${counts.retries[i]},${counts.extra[i]}`));
  const expectedLatency = new Map<string, string>();
  latency.series.forEach((s, i) => expectedLatency.set(`${s}|${latency.minute[i]}|${latency.name[i]}|${latency.k1[i]}|${latency.k2[i]}|${latency.k3[i]}|${latency.bucket[i]}`, String(latency.count[i])));
  const actual = await rollups(db, prefix);
  expect(actual.counts.size).toBeGreaterThan(0);
  expect(actual.counts).toEqual(expected);
  expect(actual.latency).toEqual(expectedLatency);
}

describe('two collectors, one database, per-saga locks', () => {
  it('sagas split across both, children first, re-sent requests: summaries and rollups equal a from-scratch rebuild', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const prefix = `split${hex(2)}`;
    const SAGAS = 48;
    const all = Array.from({ length: SAGAS }, (_, i) => sagaSpans(prefix, i));
    // Spans without a saga id first (children before parents), then the rest;
    // requests of 12 spans alternate between the collectors, so every saga's
    // spans are on both; every fourth request is sent again to the other one.
    const flat = all.flat();
    const ordered = [...flat.filter((s) => !('saga.id' in s.attributes)), ...flat.filter((s) => 'saga.id' in s.attributes)];
    const urls = [env.httpUrl, `http://127.0.0.1:${second.httpPort}`];
    const requests: { url: string; spans: FlatSpan[] }[] = [];
    for (let i = 0, n = 0; i < ordered.length; i += 12, n++) {
      const spans = ordered.slice(i, i + 12);
      requests.push({ url: urls[n % 2]!, spans });
      if (n % 4 === 0) requests.push({ url: urls[(n + 1) % 2]!, spans });
    }
    // Eight in flight at once: batches of both collectors overlap on the same sagas.
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < requests.length) {
        const r = requests[next++]!;
        statuses.push(await post(r.url, r.spans));
      }
    }));
    expect(statuses.every((s) => s === 200)).toBe(true);

    const [stored] = await env.db.query<{ n: number; orphans: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE saga_id IS NULL)::int AS orphans FROM spans WHERE trace_id = ANY($1::text[])`,
      [[...new Set(flat.map((s) => s.traceId))]]);
    expect(stored).toEqual({ n: flat.length, orphans: 0 });
    await expectExact(env.db, prefix, SAGAS);

    // From scratch: the same spans, one batch, a fresh database.
    const scratch = await createScratchDatabase();
    const fresh = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_DATA_DIR: 'memory://', SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS }));
    try {
      await writeSpanBatch(fresh, toSpanRows(flat), cfg, opts());
      expect(await summaries(env.db, prefix)).toEqual(await summaries(fresh, prefix));
      expect(await rollups(env.db, prefix)).toEqual(await rollups(fresh, prefix));
    } finally {
      await fresh.close();
      await scratch.drop();
    }
  }, 120_000);

  it('an orphan and its parent stored by overlapping transactions that cannot see each other are linked by the check after commit', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const prefix = `lost${hex(2)}`;
    const trace = hex(16);
    const t0 = Date.now() - 30_000;
    const other = makeSpan({ startMs: t0, endMs: t0 + 5, attributes: { 'saga.id': `${prefix}-x`, 'saga.name': `${prefix}-x` } });
    const parent = makeSpan({ traceId: trace, startMs: t0, endMs: t0 + 20, attributes: { 'saga.id': `${prefix}-s`, 'saga.name': `${prefix}-s`, 'saga.step': 'a', 'saga.op': 'action' } });
    const orphan = makeSpan({ traceId: trace, parentSpanId: parent.spanId, startMs: t0 + 1, endMs: t0 + 10 });
    await write(env.db, [other]);
    // A holds the orphan and a span of saga x, and is stopped at the lock of x
    // (after its own ancestor walk, which found nothing: the parent is not stored).
    const blocker = new pg.Client({ connectionString: env.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM sagas WHERE id = $1 FOR UPDATE', [`${prefix}-x`]);
      const a = write(env.db, [orphan, makeSpan({ traceId: other.traceId, parentSpanId: other.spanId, startMs: t0 + 1, endMs: t0 + 2, attributes: { 'saga.id': `${prefix}-x` } })]);
      await untilLockWaiters(blocker, 1, 'the first transaction never reached the lock');
      // B, through the other pool, stores the parent and commits: the orphan is uncommitted, B cannot see it.
      const b = await write(db2, [parent]);
      expect(b.linkedAfterCommit).toBe(0);
      await blocker.query('COMMIT');
      // A now sees the parent, but its saga is not one A holds: A leaves the orphan to its check after commit.
      const resultA = await a;
      expect(resultA.linkedAfterCommit).toBe(1);
    } finally {
      await blocker.end();
    }
    const [row] = await env.db.query<{ saga_id: string | null }>(`SELECT saga_id FROM spans WHERE trace_id = $1 AND span_id = $2`, [trace, orphan.spanId]);
    expect(row!.saga_id).toBe(`${prefix}-s`);
    await expectExact(env.db, prefix, 2);
  }, 60_000);

  it('a batch does not wait for one on other sagas, and batches locking shared sagas in any order all finish', async (ctx) => {
    if (!env.databaseUrl) ctx.skip();
    const prefix = `order${hex(2)}`;
    const SAGAS = 30;
    const t0 = Date.now() - 60_000;
    const roots = Array.from({ length: SAGAS }, (_, i) => makeSpan({
      startMs: t0 + i, endMs: t0 + i + 50, attributes: { 'saga.id': `${prefix}-${i}`, 'saga.name': `${prefix}-n`, 'saga.role': 'coordinator' },
    }));
    await write(env.db, roots);
    const stepOf = (i: number, k: number) => makeSpan({
      traceId: roots[i]!.traceId, parentSpanId: roots[i]!.spanId, startMs: t0 + i + 1 + k, endMs: t0 + i + 2 + k,
      attributes: { 'saga.id': `${prefix}-${i}`, 'saga.step': `s${k}`, 'saga.op': 'action', 'saga.step_index': k },
    });

    // Saga 0 held by another transaction: a batch on sagas 1–3 goes through, one on saga 0 waits.
    const blocker = new pg.Client({ connectionString: env.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM sagas WHERE id = $1 FOR UPDATE', [`${prefix}-0`]);
      let waitingDone = false;
      const waiting = write(db2, [stepOf(0, 0)]).then((r) => { waitingDone = true; return r; });
      const started = performance.now();
      await write(env.db, [stepOf(1, 0), stepOf(2, 0), stepOf(3, 0)]);
      expect(performance.now() - started).toBeLessThan(10_000);
      await untilLockWaiters(blocker, 1, 'the batch on saga 0 never waited for its lock');
      expect(waitingDone).toBe(false);
      await blocker.query('COMMIT');
      expect((await waiting).stored).toBe(1);
    } finally {
      await blocker.end();
    }

    // Eight batches over both pools, each touching all thirty sagas, in eight different orders.
    const batches = Array.from({ length: 8 }, (_, b) => {
      const order = Array.from({ length: SAGAS }, (_, i) => i).sort((x, y) => ((x * (b + 3)) % 31) - ((y * (b + 3)) % 31));
      return order.map((i) => stepOf(i, 10 + b));
    });
    const results = await Promise.all(batches.map((spans, b) => write(b % 2 === 0 ? env.db : db2, spans)));
    expect(results.reduce((n, r) => n + r.stored, 0)).toBe(8 * SAGAS);
    await expectExact(env.db, prefix, SAGAS);
  }, 60_000);
});
