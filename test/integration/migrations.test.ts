/**
 * Migrations through the wasm schema engine on a real PostgreSQL server, and the
 * same migration files applied to in-process PGlite. Runs in a scratch database
 * on SAGASCOPE_TEST_DATABASE_URL's server (default the local one).
 *
 * The migrations build the plain span layout whatever SAGASCOPE_SPAN_PARTITIONS
 * says, and `migrate dev` runs only against it (ADR 0013): those tests run in the
 * plain run. The partitioned run (`npm run test:integration:partitioned`) checks
 * instead what a server with SAGASCOPE_SPAN_PARTITIONS=daily does with them: the
 * start path migrates and converts, a restart finds nothing to apply, and a later
 * migration on `spans` reaches every partition.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrationsToPglite, migrationChecksum } from '../../lib/db/migrations/embedded';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH } from '../../lib/db/migrations/paths';
import { migrateDeploy, migrateDev, migrateStatus } from '../../lib/db/migrations/schema-engine';
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import type { Db } from '../../lib/db/connection';
import { ensureDailyPartitions, isPartitioned, spanLeaves } from '../../lib/db/span-partitions';
import { SPAN_PARTITIONS } from './harness';

const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function adminQuery<R extends pg.QueryResultRow>(sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function localMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

interface IndexRow {
  indexname: string;
  indexdef: string;
}

const INDEXES_SQL = `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('spans', 'sagas') ORDER BY indexname`;
const HISTORY_SQL = `SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count
  FROM _prisma_migrations ORDER BY started_at`;
const HISTORY_COLUMNS_SQL = `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
  FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`;

function expectProjectIndexes(indexes: IndexRow[]): void {
  const byName = new Map(indexes.map((row) => [row.indexname, row.indexdef]));
  expect(byName.get('spans_orphan_children_idx')).toMatch(
    /USING btree \(trace_id, parent_span_id\) WHERE \(saga_id IS NULL\)$/,
  );
  for (const column of ['services', 'anomalies', 'anomalies_after', 'trace_ids']) {
    expect(byName.get(`sagas_${column}_idx`)).toMatch(new RegExp(`USING gin \\(${column}\\)$`));
  }
}

const databaseName = `sagascope_mig_${randomBytes(5).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();
let database: pg.Client;
const scratchDirs: string[] = [];

async function scratchMigrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sagascope-migrations-'));
  scratchDirs.push(dir);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

/** A scratch copy of the migrations with one more, `name`, holding `sql`. */
async function scratchMigrationsWith(name: string, sql: string): Promise<string> {
  const dir = await scratchMigrationsCopy();
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, 'migration.sql'), sql);
  return dir;
}

beforeAll(async () => {
  await adminQuery(`CREATE DATABASE ${databaseName}`);
  database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
});

afterAll(async () => {
  await database?.end();
  await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

// The plain layout alone (see the module comment): the plain run covers it.
describe.skipIf(SPAN_PARTITIONS === 'daily')('migrations on PostgreSQL (wasm schema engine)', () => {
  it('deploy applies every migration in order', async () => {
    const { applied } = await migrateDeploy(databaseUrl);
    expect(applied).toEqual(await localMigrations());
  });

  it('creates the tables, the partial index and the GIN indexes', async () => {
    const tables = await database.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    expect(tables.rows.map((row) => row.tablename)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'sagas', 'spans']),
    );
    expectProjectIndexes((await database.query<IndexRow>(INDEXES_SQL)).rows);
  });

  it('records each migration the way the Prisma CLI does', async () => {
    const { rows } = await database.query(HISTORY_SQL);
    const names = await localMigrations();
    expect(rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of rows) {
      const script = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row.checksum).toBe(migrationChecksum(script));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row).toMatchObject({ logs: null, rolled_back_at: null, applied_steps_count: 1 });
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it('deploy again applies nothing', async () => {
    expect(await migrateDeploy(databaseUrl)).toEqual({ applied: [] });
  });

  it('status reports everything applied and nothing pending', async () => {
    const status = await migrateStatus(databaseUrl);
    const names = await localMigrations();
    expect(status).toEqual({
      local: names,
      applied: names,
      pending: [],
      failed: [],
      edited: [],
      missingLocally: [],
      hasMigrationsTable: true,
    });
  });

  it('dev with no schema change creates no migration', async () => {
    const migrationsDir = await scratchMigrationsCopy();
    const before = await localMigrations(migrationsDir);
    expect(await migrateDev(databaseUrl, 'nothing', { migrationsDir })).toEqual({ applied: [], created: null });
    expect(await localMigrations(migrationsDir)).toEqual(before);
  });

  it('dev turns a schema change into a migration, then finds nothing left to do', async () => {
    const migrationsDir = await scratchMigrationsCopy();
    const schemaPath = path.join(migrationsDir, '..', `${path.basename(migrationsDir)}.prisma`);
    const schema = await readFile(DEFAULT_SCHEMA_PATH, 'utf8');
    await writeFile(schemaPath, schema.replace('@@map("spans")', '@@index([service])\n  @@map("spans")'));
    scratchDirs.push(schemaPath);

    const { created } = await migrateDev(databaseUrl, 'Span service index', { migrationsDir, schemaPath });
    expect(created).toMatch(/^\d{14}_span_service_index$/);
    const script = await readFile(path.join(migrationsDir, created!, 'migration.sql'), 'utf8');
    // Only the new index: the partial index already in the history is not re-created.
    expect(script).toBe('-- CreateIndex\nCREATE INDEX "spans_service_idx" ON "spans"("service");\n');

    expect(await migrateDev(databaseUrl, 'again', { migrationsDir, schemaPath })).toEqual({ applied: [], created: null });
  });

  // Last on this database: it leaves a failed migration in the history.
  it('rolls a failing migration back whole and then refuses to deploy, like the CLI', async () => {
    const migrationsDir = await scratchMigrationsWith('29990101000000_broken', 'CREATE TABLE "created_then_rolled_back" (id int);\nSELECT 1/0;\n');

    await expect(migrateDeploy(databaseUrl, { migrationsDir })).rejects.toThrow(/division by zero/);
    const leftover = await database.query(`SELECT to_regclass('created_then_rolled_back') AS table`);
    expect(leftover.rows).toEqual([{ table: null }]);
    await expect(migrateDeploy(databaseUrl, { migrationsDir })).rejects.toMatchObject({
      code: 'P3009',
      message: expect.stringContaining('29990101000000_broken'),
    });
  });

  it('leaves no shadow database behind', async () => {
    const leftovers = await adminQuery<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'sagascope_shadow_%'`,
    );
    expect(leftovers).toEqual([]);
  });
});

// Compares with the plain PostgreSQL history above, skipped with it.
describe.skipIf(SPAN_PARTITIONS === 'daily')('migrations on PGlite (embedded mode)', () => {
  let lite: PGlite;
  beforeAll(() => {
    lite = new PGlite();
  });
  afterAll(async () => {
    await lite?.close();
  });

  it('applies the same migrations', async () => {
    expect(await applyMigrationsToPglite(lite, DEFAULT_MIGRATIONS_DIR)).toEqual(await localMigrations());
    expectProjectIndexes((await lite.query<IndexRow>(INDEXES_SQL)).rows);
  });

  it('writes _prisma_migrations exactly like the wasm engine did on PostgreSQL', async () => {
    expect((await lite.query(HISTORY_COLUMNS_SQL)).rows).toEqual((await database.query(HISTORY_COLUMNS_SQL)).rows);
    const comparable = (row: Record<string, unknown>) => ({
      migration_name: row.migration_name,
      checksum: row.checksum,
      logs: row.logs,
      rolled_back_at: row.rolled_back_at,
      applied_steps_count: row.applied_steps_count,
    });
    const names = new Set(await localMigrations());
    // The dev test above added a migration of its own to this database; skip it.
    const fromEngine = (await database.query(HISTORY_SQL)).rows.filter((row) => names.has(row.migration_name));
    const fromPglite = (await lite.query<Record<string, unknown>>(HISTORY_SQL)).rows;
    expect(fromPglite.map(comparable)).toEqual(fromEngine.map(comparable));
  });

  it('re-running is a no-op', async () => {
    expect(await applyMigrationsToPglite(lite, DEFAULT_MIGRATIONS_DIR)).toEqual([]);
    expect((await lite.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows).toEqual([
      { n: (await localMigrations()).length },
    ]);
  });
});

describe.runIf(SPAN_PARTITIONS === 'daily')('migrations and the daily-partitioned span layout', () => {
  const DAY = 86_400_000;
  let db: Db;
  afterAll(async () => {
    await db?.close();
  });

  it('the start path applies every migration, then partitions spans with the project indexes on the parent', async () => {
    db = await openMigratedDb(parseConfig({ DATABASE_URL: databaseUrl, SAGASCOPE_DATA_DIR: 'memory://', SAGASCOPE_SPAN_PARTITIONS: 'daily' }));
    expect((await database.query(HISTORY_SQL)).rows.map((row) => row.migration_name)).toEqual(await localMigrations());
    expect(await isPartitioned(db)).toBe(true);
    expectProjectIndexes((await database.query<IndexRow>(INDEXES_SQL)).rows);
  });

  it('a restart finds nothing to apply and status reports nothing pending', async () => {
    expect(await migrateDeploy(databaseUrl)).toEqual({ applied: [] });
    const names = await localMigrations();
    expect(await migrateStatus(databaseUrl)).toEqual({
      local: names, applied: names, pending: [], failed: [], edited: [], missingLocally: [], hasMigrationsTable: true,
    });
  });

  it('a later migration adding a column and an index to spans reaches every partition, and the days created after it', async () => {
    const migrationsDir = await scratchMigrationsWith('29990101000000_span_extra', 'ALTER TABLE "spans" ADD COLUMN "extra" TEXT;\nCREATE INDEX "spans_extra_idx" ON "spans"("extra");\n');
    expect(await migrateDeploy(databaseUrl, { migrationsDir })).toEqual({ applied: ['29990101000000_span_extra'] });
    expect(await ensureDailyPartitions(db, Date.now() + 10 * DAY)).not.toEqual([]);
    const leaves = (await spanLeaves(db)).map((l) => l.name);
    expect(leaves.length).toBeGreaterThan(6); // DEFAULT, the conversion's days and the ones just created
    for (const leaf of leaves) {
      const cols = await database.query(`SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'extra'`, [leaf]);
      expect(cols.rows, `${leaf}.extra`).toHaveLength(1);
      const ixs = await database.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, [leaf]);
      expect(ixs.rows.map((r) => r.indexdef), `${leaf} index on extra`).toContainEqual(expect.stringMatching(/USING btree \(extra\)$/));
    }
  });
});
