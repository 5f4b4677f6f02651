/**
 * `npm run bench:partitions`: what daily range partitions of `spans` (by
 * start_time) would change, measured on a scratch database. Builds the
 * current `spans` table and a partitioned copy with the same rows spread over
 * several days, then compares
 *   - retention: the collector's batched DELETE (lib/retention/store.ts) against
 *     DETACH PARTITION [CONCURRENTLY] + DROP TABLE: time, rows/s, WAL (exact,
 *     per transaction id through pg_walinspect), and the latency of a
 *     concurrent inserter meanwhile;
 *   - the lock queue: a reader holding the parent open while a plain DETACH
 *     waits, and what that does to inserts;
 *   - the queries the ingest path and the saga page run, with their plans;
 *   - ON CONFLICT dedupe with the partition key in the primary key.
 *
 *   PART_ROWS (2000000)  PART_DAYS (5)  PART_BASE (100000 generated spans, copied with new ids)
 *   SAGASCOPE_TEST_DATABASE_URL  admin connection (default postgres@127.0.0.1:5432)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { COLUMN_LIST, spanCopyLine } from '../lib/ingest/span-writer';
import { SAGA_SPAN_SELECT } from '../lib/saga/span-store';
import { toSpanRows } from '../lib/ingest/span-row';
import { generateSagas } from './saga-generator';

const ROWS = Number(process.env.PART_ROWS ?? 2_000_000);
const DAYS = Number(process.env.PART_DAYS ?? 5);
const BASE = Number(process.env.PART_BASE ?? 100_000);
const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const DAY_MS = 86_400_000;
const RETENTION_BATCH = 5_000;

const DELETE_SPANS = `
  WITH d AS (
    DELETE FROM spans
     WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM spans WHERE start_time < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ))
    RETURNING 1)
  SELECT count(*)::int AS n FROM d`;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

async function copyRows(client: pg.Client, table: string, lines: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(`COPY ${table} (${COLUMN_LIST}) FROM STDIN`));
    stream.on('error', reject);
    stream.on('finish', resolve);
    let i = 0;
    const pump = () => {
      while (i < lines.length) if (!stream.write(lines[i++])) return void stream.once('drain', pump);
      stream.end();
    };
    pump();
  });
}

/** Inserts 200 fresh "today" rows per statement in a loop and records each statement's latency. */
class Inserter {
  private latencies: { at: number; ms: number }[] = [];
  private running = true;
  private done: Promise<void> = Promise.resolve();
  private n = 0;
  constructor(private readonly client: pg.Client, private readonly table: string, private readonly conflict: string) {}

  start(): void {
    this.done = (async () => {
      while (this.running) {
        const t = performance.now();
        await this.client.query(
          `INSERT INTO ${this.table} (${COLUMN_LIST})
           SELECT md5(trace_id || $1::text), span_id, parent_span_id, saga_id, service, name, kind,
                  now() - (random() * interval '1 second'), now(), duration_ms, status_code, status_message, saga_name, protocol,
                  role, step, step_index, branch_id, op, attempt, result, action_url, compensate_url, idempotency_key,
                  zero_code, scope, attributes, resource_id, events, trigger
             FROM spans_base LIMIT 200
           ${this.conflict}`,
          [`ins-${this.table}-${this.n++}-${Math.random()}`],
        );
        this.latencies.push({ at: t, ms: performance.now() - t });
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done.catch(() => {});
  }

  /** Latency of the inserts that started in [from, to). */
  window(from: number, to: number) {
    const ms = this.latencies.filter((l) => l.at >= from && l.at < to).map((l) => l.ms).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0;
    return `${ms.length} inserts of 200 rows, p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${(ms[ms.length - 1] ?? 0).toFixed(1)} ms`;
  }
}

async function walOfXids(c: pg.Client, startLsn: string, endLsn: string, xids: string[]) {
  const { rows } = await c.query<{ records: number; bytes: string; fpi: string }>(
    `SELECT count(*)::int AS records, coalesce(sum(record_length), 0)::text AS bytes, coalesce(sum(fpi_length), 0)::text AS fpi
       FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE xid::text = ANY($3::text[])`,
    [startLsn, endLsn, xids],
  );
  return { records: rows[0]!.records, bytes: Number(rows[0]!.bytes), fpi: Number(rows[0]!.fpi) };
}

const lsn = async (c: pg.Client) => (await c.query<{ l: string }>(`SELECT pg_current_wal_flush_lsn()::text AS l`)).rows[0]!.l;
const lsnDiff = async (c: pg.Client, a: string, b: string) =>
  Number((await c.query<{ d: string }>(`SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::text AS d`, [a, b])).rows[0]!.d);

async function plan(c: pg.Client, label: string, sql: string, params: unknown[]): Promise<void> {
  const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
  const lines = rows.map((r) => r['QUERY PLAN']);
  const scans = lines.filter((l) => /Scan on|Scan using/.test(l)).length;
  const exec = lines.find((l) => l.startsWith('Execution Time')) ?? '';
  console.log(`  ${label}: ${scans} scan node(s), ${exec}`);
  for (const l of lines.filter((l) => /Scan|Append|Subplans Removed|Buffers: shared/.test(l)).slice(0, 6)) console.log(`      ${l.trim()}`);
}

async function main() {
  const name = `sagascope_scaling_part_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await admin(`CREATE DATABASE ${name}`);
  const clients: pg.Client[] = [];
  try {
    const db = await openMigratedDb(parseConfig({ ...process.env, DATABASE_URL: url.toString() }));
    await db.close();
    const connect = async () => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      clients.push(c);
      return c;
    };
    const c = await connect();
    await c.query(`CREATE EXTENSION pg_walinspect`);

    // Days: DAYS full days of history, then today (where live inserts go) and tomorrow.
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const firstDay = today - DAYS * DAY_MS;
    await c.query(`CREATE TABLE spans_part (LIKE spans INCLUDING DEFAULTS) PARTITION BY RANGE (start_time)`);
    // A unique index on a partitioned table must contain the partition key.
    await c.query(`ALTER TABLE spans_part ADD PRIMARY KEY (trace_id, span_id, start_time)`);
    await c.query(`CREATE INDEX spans_part_saga_idx ON spans_part (saga_id, start_time)`);
    await c.query(`CREATE INDEX spans_part_orphan_children_idx ON spans_part (trace_id, parent_span_id) WHERE saga_id IS NULL`);
    for (let d = firstDay; d <= today + DAY_MS; d += DAY_MS) {
      await c.query(`CREATE TABLE spans_p${dayName(d)} PARTITION OF spans_part FOR VALUES FROM ('${new Date(d).toISOString()}') TO ('${new Date(d + DAY_MS).toISOString()}')`);
    }
    let tryUnique = 'ok';
    try {
      await c.query(`CREATE UNIQUE INDEX ON spans_part (trace_id, span_id)`);
    } catch (err) {
      tryUnique = (err as Error).message;
    }
    console.log(`unique (trace_id, span_id) on the partitioned table: ${tryUnique}`);

    // Base rows: generated sagas, COPied once; every copy gets new trace and saga ids and its own day.
    const { spans } = generateSagas({ minSpans: BASE, failRate: 0.1, seed: 3, startMs: firstDay + 3_600_000 });
    const rows = toSpanRows(spans);
    await c.query(`CREATE UNLOGGED TABLE spans_base (LIKE spans INCLUDING DEFAULTS)`);
    const lines: string[] = [];
    for (let i = 0; i < rows.length; i += 1000) lines.push(rows.slice(i, i + 1000).map(spanCopyLine).join(''));
    await copyRows(c, 'spans_base', lines);
    await c.query(`INSERT INTO resources (id, attributes) SELECT DISTINCT resource_id, '{}'::jsonb FROM spans_base ON CONFLICT DO NOTHING`);
    const copies = Math.ceil(ROWS / rows.length);
    const load = async (table: string) => {
      const t = performance.now();
      for (let k = 0; k < copies; k++) {
        const day = k % DAYS;
        const hour = Math.floor(k / DAYS) * 2;
        await c.query(
          `INSERT INTO ${table} (${COLUMN_LIST}, received_at)
           SELECT md5(trace_id || '-' || $1::text), span_id, parent_span_id,
                  CASE WHEN hashtext(span_id) % 500 = 0 THEN NULL ELSE saga_id || '-' || $1::text END,
                  service, name, kind, start_time + $2::interval, end_time + $2::interval, duration_ms, status_code,
                  status_message, saga_name, protocol, role, step, step_index, branch_id, op, attempt, result, action_url,
                  compensate_url, idempotency_key, zero_code, scope, attributes, resource_id, events, trigger, received_at
             FROM spans_base`,
          [String(k), `${day} days ${hour} hours`],
        );
      }
      return performance.now() - t;
    };
    const tPart = await load('spans_part');
    const tPlain = await load('spans');
    await c.query(`ANALYZE spans; ANALYZE spans_part; ANALYZE spans_base`);
    const [size] = (await c.query<{ n: number; plain: string; part: string }>(
      `SELECT (SELECT count(*)::int FROM spans) AS n, pg_size_pretty(pg_total_relation_size('spans')) AS plain,
              (SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'spans_part'::regclass) AS part`,
    )).rows;
    console.log(`loaded ${size!.n} rows over ${DAYS} days (${copies} copies of ${rows.length} generated spans, INSERT … SELECT):`);
    console.log(`  spans (current schema):   ${secs(tPlain)}, ${Math.round((size!.n / tPlain) * 1000)} rows/s, ${size!.plain}`);
    console.log(`  spans_part (daily):       ${secs(tPart)}, ${Math.round((size!.n / tPart) * 1000)} rows/s, ${size!.part}`);

    // ---- queries and plans -------------------------------------------------------
    const sample = (await c.query<{ saga_id: string; trace_id: string; span_id: string; start_time: string; lo: string; hi: string }>(
      `SELECT s.saga_id, s.trace_id, s.span_id, s.start_time::text,
              (SELECT min(start_time)::text FROM spans WHERE saga_id = s.saga_id) AS lo,
              (SELECT max(end_time)::text FROM spans WHERE saga_id = s.saga_id) AS hi
         FROM spans s WHERE s.saga_id IS NOT NULL AND s.start_time >= $1 ORDER BY s.start_time LIMIT 1 OFFSET 1000`,
      [new Date(firstDay + 2 * DAY_MS).toISOString()],
    )).rows[0]!;
    const orphan = (await c.query<{ trace_id: string; parent_span_id: string }>(
      `SELECT trace_id, parent_span_id FROM spans WHERE saga_id IS NULL AND parent_span_id IS NOT NULL LIMIT 1`,
    )).rows[0]!;
    console.log('\nqueries (EXPLAIN ANALYZE; warm cache):');
    for (const table of ['spans', 'spans_part']) {
      console.log(`${table}:`);
      const sel = SAGA_SPAN_SELECT.replace(/FROM spans$/, `FROM ${table}`);
      await plan(c, 'saga spans by saga_id (loadSagaSpans)', `${sel} WHERE saga_id = ANY($1::text[])`, [[sample.saga_id]]);
      await plan(c, 'same, bounded by the saga\'s time range', `${sel} WHERE saga_id = ANY($1::text[]) AND start_time BETWEEN $2 AND $3`, [[sample.saga_id], sample.lo, sample.hi]);
      await plan(c, 'orphan children by (trace_id, parent_span_id)', `SELECT span_id FROM ${table} WHERE trace_id = $1 AND parent_span_id = $2 AND saga_id IS NULL`, [orphan.trace_id, orphan.parent_span_id]);
      await plan(c, 'span by (trace_id, span_id) (ancestor walk)', `SELECT saga_id, parent_span_id FROM ${table} WHERE trace_id = $1 AND span_id = $2`, [sample.trace_id, sample.span_id]);
    }

    // ---- dedupe of re-sent spans ---------------------------------------------------
    console.log('\nON CONFLICT on the partitioned table:');
    const resend = (conflict: string, shift: string) =>
      c.query(`INSERT INTO spans_part (${COLUMN_LIST}) SELECT ${COLUMN_LIST.replace('start_time', `start_time + '${shift}'::interval`)} FROM spans_part WHERE trace_id = $1 AND span_id = $2 ${conflict}`, [sample.trace_id, sample.span_id]);
    try {
      await resend('ON CONFLICT (trace_id, span_id) DO NOTHING', '0');
      console.log('  ON CONFLICT (trace_id, span_id): accepted');
    } catch (err) {
      console.log(`  ON CONFLICT (trace_id, span_id): ${(err as Error).message}`);
    }
    const same = await resend('ON CONFLICT (trace_id, span_id, start_time) DO NOTHING', '0');
    console.log(`  exact re-send, ON CONFLICT (trace_id, span_id, start_time): ${same.rowCount} row inserted`);
    const moved = await resend('ON CONFLICT (trace_id, span_id, start_time) DO NOTHING', '1 millisecond');
    const [dups] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans_part WHERE trace_id = $1 AND span_id = $2`, [sample.trace_id, sample.span_id])).rows;
    console.log(`  same ids, start_time 1 ms later: ${moved.rowCount} row inserted → ${dups!.n} copies of the span stored`);
    await c.query(`DELETE FROM spans_part WHERE trace_id = $1 AND span_id = $2 AND start_time <> $3::timestamptz`, [sample.trace_id, sample.span_id, sample.start_time]);

    // ---- retention -----------------------------------------------------------------
    console.log('\nretention of the oldest day, with a concurrent inserter (200 rows per INSERT):');
    const ins = await connect();
    const dayRows = async (table: string, from: number) =>
      (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE start_time >= $1 AND start_time < $2`, [new Date(from).toISOString(), new Date(from + DAY_MS).toISOString()])).rows[0]!.n;

    // (a) batched DELETE on the current table, one transaction per batch, as lib/retention/store.ts does.
    {
      const inserter = new Inserter(ins, 'spans', 'ON CONFLICT (trace_id, span_id) DO NOTHING');
      inserter.start();
      await new Promise((r) => setTimeout(r, 2000));
      const w0 = performance.now();
      const l0 = await lsn(c);
      let deleted = 0;
      let batches = 0;
      let busyMs = 0;
      const wal = { bytes: 0, records: 0, fpi: 0 };
      const cutoff = new Date(firstDay + DAY_MS).toISOString();
      for (;;) {
        // WAL is read back after every batch: checkpoints recycle segments within a long run.
        const b0 = await lsn(c);
        const t = performance.now();
        await c.query('BEGIN');
        const { rows: [r] } = await c.query<{ n: number }>(DELETE_SPANS, [cutoff, RETENTION_BATCH]);
        const xid = (await c.query<{ x: string }>(`SELECT (txid_current() % 4294967296)::text AS x`)).rows[0]!.x;
        await c.query('COMMIT');
        busyMs += performance.now() - t;
        const w = await walOfXids(c, b0, await lsn(c), [xid]);
        wal.bytes += w.bytes; wal.records += w.records; wal.fpi += w.fpi;
        deleted += r!.n;
        batches++;
        if (r!.n < RETENTION_BATCH) break;
      }
      const w1 = performance.now();
      const l1 = await lsn(c);
      await new Promise((r) => setTimeout(r, 1000));
      await inserter.stop();
      console.log(`  batched DELETE (spans):        ${deleted} rows in ${secs(busyMs)} inside ${batches} transactions (${secs(w1 - w0)} with WAL read-back), ${Math.round((deleted / busyMs) * 1000)} rows/s`);
      console.log(`      WAL of its transactions ${mib(wal.bytes)} (${wal.records} records, ${mib(wal.fpi)} full-page images); cluster WAL meanwhile ${mib(await lsnDiff(c, l0, l1))}`);
      console.log(`      inserts before: ${inserter.window(w0 - 2000, w0)}`);
      console.log(`      inserts during: ${inserter.window(w0, w1)}`);
      const { rows: [v] } = await c.query<{ dead: string }>(`SELECT n_dead_tup::text AS dead FROM pg_stat_user_tables WHERE relname = 'spans'`);
      console.log(`      left behind: ${v!.dead} dead tuples for VACUUM; table size unchanged (${(await c.query<{ s: string }>(`SELECT pg_size_pretty(pg_total_relation_size('spans')) AS s`)).rows[0]!.s})`);
    }

    // (b) DETACH CONCURRENTLY + DROP; (c) plain DETACH + DROP in one transaction.
    const dropDay = async (label: string, day: number, concurrently: boolean) => {
      const part = `spans_p${dayName(day)}`;
      const n = await dayRows('spans_part', day);
      const inserter = new Inserter(ins, 'spans_part', 'ON CONFLICT (trace_id, span_id, start_time) DO NOTHING');
      inserter.start();
      await new Promise((r) => setTimeout(r, 2000));
      const l0 = await lsn(c);
      const w0 = performance.now();
      const xids: string[] = [];
      if (concurrently) {
        await c.query(`ALTER TABLE spans_part DETACH PARTITION ${part} CONCURRENTLY`);
        await c.query('BEGIN');
        await c.query(`DROP TABLE ${part}`);
      } else {
        await c.query('BEGIN');
        await c.query(`ALTER TABLE spans_part DETACH PARTITION ${part}`);
        await c.query(`DROP TABLE ${part}`);
      }
      xids.push((await c.query<{ x: string }>(`SELECT (txid_current() % 4294967296)::text AS x`)).rows[0]!.x);
      await c.query('COMMIT');
      const w1 = performance.now();
      const l1 = await lsn(c);
      await new Promise((r) => setTimeout(r, 1000));
      await inserter.stop();
      const wal = await walOfXids(c, l0, l1, xids);
      console.log(`  ${label}: ${n} rows in ${secs(w1 - w0)}, ${Math.round((n / (w1 - w0)) * 1000)} rows/s`);
      console.log(`      WAL of the DROP transaction ${(wal.bytes / 1024).toFixed(1)} KiB (${wal.records} records); cluster WAL meanwhile ${mib(await lsnDiff(c, l0, l1))}`);
      console.log(`      inserts before: ${inserter.window(w0 - 2000, w0)}`);
      console.log(`      inserts during: ${inserter.window(w0, w1)}`);
    };
    await dropDay('DETACH CONCURRENTLY + DROP', firstDay, true);
    await dropDay('DETACH + DROP (one tx)     ', firstDay + DAY_MS, false);

    // (d) The lock queue: a plain DETACH waits for ACCESS EXCLUSIVE behind a 2 s reader, and every insert queues behind it.
    console.log('\nlock queue: a reader keeps a transaction on spans_part open for 2 s while retention detaches a day:');
    const modes = [
      { label: 'DETACH, no lock_timeout', day: 2, timeout: false, concurrently: false },
      { label: 'DETACH, lock_timeout 100ms', day: 3, timeout: true, concurrently: false },
      { label: 'DETACH CONCURRENTLY', day: 4, timeout: false, concurrently: true },
    ];
    for (const mode of modes) {
      const day = firstDay + mode.day * DAY_MS;
      const part = `spans_p${dayName(day)}`;
      const reader = await connect();
      const inserter = new Inserter(ins, 'spans_part', 'ON CONFLICT (trace_id, span_id, start_time) DO NOTHING');
      inserter.start();
      await new Promise((r) => setTimeout(r, 1000));
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM spans_part WHERE start_time >= now() - interval '1 minute'`);
      const releaseReader = new Promise<void>((resolve) => setTimeout(() => void reader.query('COMMIT').then(() => resolve()), 2000));
      const w0 = performance.now();
      let outcome = 'done';
      try {
        if (mode.timeout) {
          await c.query('BEGIN');
          await c.query(`SET LOCAL lock_timeout = '100ms'`);
          try {
            await c.query(`ALTER TABLE spans_part DETACH PARTITION ${part}`);
            await c.query('COMMIT');
          } catch (err) {
            await c.query('ROLLBACK');
            outcome = `gave up: ${(err as Error).message} (retried next run)`;
          }
        } else {
          await c.query(`ALTER TABLE spans_part DETACH PARTITION ${part}${mode.concurrently ? ' CONCURRENTLY' : ''}`);
        }
      } finally {
        await releaseReader;
      }
      const w1 = performance.now();
      await new Promise((r) => setTimeout(r, 500));
      await inserter.stop();
      console.log(`  ${mode.label}: ${outcome} after ${secs(w1 - w0)}; inserts meanwhile: ${inserter.window(w0, w1)}`);
    }
  } finally {
    for (const cl of clients) {
      cl.on('error', () => {});
      await cl.end().catch(() => {});
    }
    if (!process.env.PART_KEEP) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
