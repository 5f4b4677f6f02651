/**
 * `npm run bench:query:load -- --sagas 1000000`: loads the data set of
 * `npm run bench:query` (bench/query-data.ts, ~10 spans per saga, starts spread
 * over the last 24 h) into DATABASE_URL, quickly but through the real write
 * code: span rows as span-writer's COPY lines, summaries from the real model
 * (buildSaga) written by upsertSummaries with their encoded rollup
 * contribution (contributionOf), and rollups summed with RollupDelta and added
 * by applyRollupDelta. Secondary indexes are dropped for the load and recreated
 * from their own definitions afterwards (then VACUUM ANALYZE); the script checks
 * the index and constraint set equals the migrated one.
 *
 *   --sagas N (default 1000000)  --seed N (1)  --hours H (24)  --chunk N (5000)
 *   DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/sagascope_bench_query):
 *   created and migrated if missing; its spans, sagas, resources and rollups are replaced.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import type { Sql } from '../lib/db/connection';
import type { SagaSpan, Saga } from '../lib/saga/types';
import { migrateDeploy } from '../lib/db/migrations/schema-engine';
import { MIGRATIONS_DIR } from '../lib/db/setup';
import { spanCopyLine, COLUMN_LIST } from '../lib/ingest/span-writer';
import { upsertSummaries } from '../lib/ingest/summary-writer';
import { applyRollupDelta, foldRollups } from '../lib/stats/rollup-writer';
import { buildSaga } from '../lib/saga/model';
import { modelConfig } from '../lib/saga/config';
import { contributionOf, encodeContribution } from '../lib/stats/contribution';
import { RollupDelta } from '../lib/stats/delta';
import { generateSaga, RESOURCES, type DataSetOptions } from './query-data';
import { KeyLines } from '../lib/search/key-writer';

export const DEFAULT_BENCH_URL = 'postgresql://postgres@127.0.0.1:5432/sagascope_bench_query';
const TABLES = ['spans', 'sagas', 'saga_keys', 'resources', 'rollup_counts', 'rollup_latency', 'rollup_counts_hourly', 'rollup_latency_hourly', 'rollup_counts_delta', 'rollup_latency_delta'] as const;
// Kept during the load: the upserts of summaries and rollups need their keys.
const KEEP_CONSTRAINTS = new Set(['sagas_pkey', 'resources_pkey', 'rollup_counts_pkey', 'rollup_latency_pkey', 'rollup_counts_hourly_pkey', 'rollup_latency_hourly_pkey']);
const ROLLUP_FLUSH_SAGAS = 50_000;

const argsSchema = z.object({
  sagas: z.coerce.number().int().min(1).max(20_000_000).default(1_000_000),
  seed: z.coerce.number().int().min(0).max(0xffff).default(1),
  hours: z.coerce.number().min(1).max(24 * 30).default(24),
  chunk: z.coerce.number().int().min(100).max(100_000).default(5_000),
});

function parseArgs(argv: string[]) {
  const raw: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unknown argument ${argv[i]}`);
    raw[m[1]!] = m[2] ?? argv[++i] ?? '';
  }
  const parsed = argsSchema.strict().safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
  return parsed.data;
}

/** Creates the database if the server does not have it yet, then applies the project's migrations. */
async function ensureMigrated(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower-case letters, digits and _`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await client.query(`CREATE DATABASE ${name}`);
      console.log(`created database ${name}`);
    }
  } finally {
    await client.end();
  }
  const { applied } = await migrateDeploy(url, { migrationsDir: MIGRATIONS_DIR });
  if (applied.length > 0) console.log(`applied ${applied.length} migration(s)`);
}

interface SchemaObject {
  table: string;
  name: string;
  /** CREATE INDEX … or ALTER TABLE … ADD CONSTRAINT …, recreating it exactly. */
  ddl: string;
  constraint: boolean;
}

/** Indexes and their owning constraints of the loaded tables, as DDL that recreates them. */
async function schemaObjects(c: pg.Client): Promise<SchemaObject[]> {
  const { rows } = await c.query<{ table: string; name: string; indexdef: string; condef: string | null }>(
    `SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(i.oid) AS indexdef, pg_get_constraintdef(con.oid) AS condef
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
       LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.conrelid = t.oid
      WHERE t.relname = ANY($1::text[])
      ORDER BY 1, 2`,
    [TABLES],
  );
  return rows.map((r) => ({
    table: r.table,
    name: r.name,
    constraint: r.condef !== null,
    ddl: r.condef !== null ? `ALTER TABLE "${r.table}" ADD CONSTRAINT "${r.name}" ${r.condef}` : r.indexdef,
  }));
}

const sqlOf = (c: pg.Client): Sql => ({ query: async (text, params) => (await c.query(text, params as unknown[])).rows });

function copyInto(c: pg.Client, text: string, into = `spans (${COLUMN_LIST})`): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = c.query(copyFrom(`COPY ${into} FROM STDIN`));
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(text);
  });
}

class Phase {
  ms = 0;
  rows = 0;
  async time<T>(rows: number, p: Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await p;
    } finally {
      this.ms += performance.now() - t;
      this.rows += rows;
    }
  }
  line(label: string, unit = 'rows', rate = true): string {
    const perSecond = this.ms > 0 ? Math.round(this.rows / (this.ms / 1000)) : 0;
    return `${label.padEnd(34)} ${String(this.rows).padStart(10)} ${unit.padEnd(6)} ${(this.ms / 1000).toFixed(1).padStart(7)} s${rate ? `  ${String(perSecond).padStart(9)} ${unit}/s` : ''}`;
  }
}

const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const url = process.env.DATABASE_URL ?? DEFAULT_BENCH_URL;
  const started = performance.now();
  await ensureMigrated(url);

  const spansConn = new pg.Client({ connectionString: url });
  const sagaConn = new pg.Client({ connectionString: url });
  await Promise.all([spansConn.connect(), sagaConn.connect()]);
  for (const c of [spansConn, sagaConn]) {
    // This session only: a bulk load need not wait for WAL flushes, and index builds want memory.
    await c.query(`SET synchronous_commit = off; SET maintenance_work_mem = '512MB'`);
  }

  const migrated = await schemaObjects(sagaConn);
  await sagaConn.query(`TRUNCATE ${TABLES.join(', ')}`);
  const dropped = migrated.filter((o) => !KEEP_CONSTRAINTS.has(o.name));
  for (const o of dropped) {
    await sagaConn.query(o.constraint ? `ALTER TABLE "${o.table}" DROP CONSTRAINT "${o.name}"` : `DROP INDEX "${o.name}"`);
  }
  console.log(`dropped ${dropped.length} indexes for the load (kept: ${[...KEEP_CONSTRAINTS].join(', ')})`);

  await sagaConn.query(
    `INSERT INTO resources (id, attributes) SELECT * FROM unnest($1::text[], $2::jsonb[])`,
    [[...RESOURCES.values()].map((r) => r.id), [...RESOURCES.values()].map((r) => r.json)],
  );

  const nowMs = Date.now();
  const data: DataSetOptions = { sagas: args.sagas, seed: args.seed, endMs: nowMs, windowMs: args.hours * 3_600_000, receivedMs: nowMs };
  const cfg = modelConfig({ nowMs });
  const phases = { js: new Phase(), spans: new Phase(), sagas: new Phase(), rollups: new Phase() };
  const sagaSql = sqlOf(sagaConn);
  let delta = new RollupDelta();
  let deltaSagas = 0;
  let rollupRows = 0;
  let generatedSpans = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  const loadStarted = performance.now();

  const flushRollups = async (d: RollupDelta) => {
    const t = performance.now();
    const rows = d.rows();
    const n = rows.counts.series.length + rows.latency.series.length;
    await applyRollupDelta(sagaSql, d);
    phases.rollups.ms += performance.now() - t;
    phases.rollups.rows += n;
    rollupRows += n;
  };

  for (let first = 0; first < args.sagas; first += args.chunk) {
    const last = Math.min(args.sagas, first + args.chunk);
    const sagas: Saga[] = [];
    const rollups: string[] = [];
    const text: string[] = [];
    const keyLines: string[] = [];
    let spanCount = 0;
    let jsStart = performance.now();
    for (let i = first; i < last; i++) {
      const rows = generateSaga(data, i);
      const spans: readonly SagaSpan[] = rows;
      const saga = buildSaga(rows[0]!.sagaId!, spans, cfg);
      const contribution = contributionOf(saga, spans);
      delta.change(null, contribution);
      sagas.push(saga);
      rollups.push(encodeContribution(contribution));
      let lines = '';
      for (const r of rows) lines += spanCopyLine(r);
      text.push(lines);
      // Business keys as ingest stores them (lib/search/key-writer.ts): one row per distinct (saga, value), with its names.
      const keys = new KeyLines();
      for (const r of rows) if (r.keys !== null) keys.add(r.sagaId!, r.keys);
      keyLines.push(keys.text());
      spanCount += rows.length;
      if ((i - first) % 250 === 249) {
        // Let the previous chunk's COPY drain into the socket while this one is built.
        phases.js.ms += performance.now() - jsStart;
        await yieldToIo();
        jsStart = performance.now();
      }
    }
    phases.js.ms += performance.now() - jsStart;
    phases.js.rows += last - first;
    generatedSpans += spanCount;
    await inFlight;
    deltaSagas += last - first;
    const flush = deltaSagas >= ROLLUP_FLUSH_SAGAS || last === args.sagas ? delta : null;
    if (flush) {
      delta = new RollupDelta();
      deltaSagas = 0;
    }
    inFlight = Promise.all([
      phases.spans.time(spanCount, copyInto(spansConn, text.join('')).then(() => copyInto(spansConn, keyLines.join(''), 'saga_keys (saga_id, names, value)'))),
      phases.sagas.time(sagas.length, upsertSummaries(sagaSql, sagas, nowMs, rollups)).then(() => (flush ? flushRollups(flush) : undefined)),
    ]);
    if (last % 100_000 === 0 || last === args.sagas) {
      const s = (performance.now() - loadStarted) / 1000;
      console.log(`  ${last} sagas, ${generatedSpans} spans generated (${s.toFixed(0)} s, ${Math.round(last / s)} sagas/s)`);
    }
  }
  await inFlight;
  const loadMs = performance.now() - loadStarted;

  // Two connections build indexes side by side (spans on one, the rest on the other).
  const rebuild = new Phase();
  const rebuildOne = async (c: pg.Client, objs: SchemaObject[]) => {
    for (const o of objs) {
      const t = performance.now();
      await c.query(o.ddl);
      console.log(`  ${o.name.padEnd(44)} ${((performance.now() - t) / 1000).toFixed(1).padStart(6)} s`);
    }
  };
  const t0 = performance.now();
  await Promise.all([
    rebuildOne(spansConn, dropped.filter((o) => o.table === 'spans')),
    rebuildOne(sagaConn, dropped.filter((o) => o.table !== 'spans')),
  ]);
  rebuild.ms = performance.now() - t0;
  rebuild.rows = dropped.length;

  const after = await schemaObjects(sagaConn);
  const same = JSON.stringify(after.map((o) => o.ddl)) === JSON.stringify(migrated.map((o) => o.ddl));
  if (!same) throw new Error(`indexes after the load differ from the migrated schema:\n${after.map((o) => o.ddl).join('\n')}`);

  // The load appended its rollup changes (as ingest does): fold them into the minute and hour tables.
  const tc = performance.now();
  await foldRollups(sagaSql);
  phases.rollups.ms += performance.now() - tc;

  const vacuum = new Phase();
  const tv = performance.now();
  await Promise.all([
    spansConn.query('VACUUM (ANALYZE) spans'),
    // The fold deleted every appended change: without this the delta tables keep their pages and every chart query scans them.
    sagaConn.query('VACUUM (ANALYZE) sagas, saga_keys, resources, rollup_counts, rollup_latency, rollup_counts_hourly, rollup_latency_hourly, rollup_counts_delta, rollup_latency_delta'),
  ]);
  vacuum.ms = performance.now() - tv;
  vacuum.rows = TABLES.length;

  const [sizes] = (
    await sagaConn.query<{ db: string; spans: string; sagas: string; counts: string; latency: string; n_spans: string; n_sagas: string }>(
      `SELECT pg_size_pretty(pg_database_size(current_database())) AS db,
              pg_size_pretty(pg_total_relation_size('spans')) AS spans, pg_size_pretty(pg_total_relation_size('sagas')) AS sagas,
              pg_size_pretty(pg_total_relation_size('rollup_counts')) AS counts, pg_size_pretty(pg_total_relation_size('rollup_latency')) AS latency,
              (SELECT reltuples::bigint FROM pg_class WHERE relname = 'spans') AS n_spans,
              (SELECT count(*) FROM sagas) AS n_sagas`,
    )
  ).rows;
  const statuses = (await sagaConn.query<{ status: string; n: string }>(`SELECT coalesce(status_after, status) AS status, count(*) AS n FROM sagas GROUP BY 1 ORDER BY 2 DESC`)).rows;
  await Promise.all([spansConn.end(), sagaConn.end()]);

  const total = (performance.now() - started) / 1000;
  console.log(
    [
      '',
      `loaded ${sizes!.n_sagas} sagas / ${phases.spans.rows} spans (${(phases.spans.rows / args.sagas).toFixed(2)} per saga), starts over the ${args.hours} h before ${new Date(nowMs).toISOString()}`,
      `  status (after pending timed changes): ${statuses.map((s) => `${s.status} ${s.n}`).join(', ')}`,
      `phase                                    count          time       rate`,
      phases.js.line('generate + buildSaga + contribution', 'sagas'),
      phases.spans.line('spans COPY (overlapped)'),
      phases.sagas.line('sagas upsertSummaries (overlapped)'),
      phases.rollups.line('rollups applyRollupDelta (overl.)'),
      `${'load wall time'.padEnd(34)} ${(loadMs / 1000).toFixed(1).padStart(24)} s  ${String(Math.round(phases.spans.rows / (loadMs / 1000))).padStart(9)} spans/s`,
      rebuild.line('index rebuild (2 connections)', 'idx', false),
      vacuum.line('VACUUM ANALYZE', 'tables', false),
      `${'total'.padEnd(34)} ${total.toFixed(1).padStart(24)} s`,
      `sizes: database ${sizes!.db}; spans ${sizes!.spans}, sagas ${sizes!.sagas}, rollup_counts ${sizes!.counts} + rollup_latency ${sizes!.latency} (${rollupRows} row upserts)`,
      `schema: ${after.length} indexes and constraints, identical to the migrated ones`,
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
