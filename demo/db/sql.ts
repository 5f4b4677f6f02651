/**
 * The few SQL calls a demo service needs, over either a PostgreSQL server (a pg
 * Pool confined to the service's own schema) or the service's own PGlite.
 *
 * Each service owns its database, as microservices do: on a server that is a
 * schema per service (`demo_order`, …); without one, a PGlite per process
 * (PGlite is a single backend that only one process may open).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';

export interface Queryable {
  /** Rows of the statement, plus how many it changed (INSERT … ON CONFLICT DO NOTHING tells a duplicate by 0). */
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<{ rows: R[]; rowCount: number }>;
}

export interface Sql extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one local transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface SqlOptions {
  /** PostgreSQL server; unset → PGlite. */
  databaseUrl?: string;
  /** The service's schema, created if missing (idempotent). */
  schema: string;
  /** PGlite data directory; default in memory (the demo's state is disposable). */
  pgliteDataDir?: string;
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openSql(opts: SqlOptions): Promise<Sql> {
  if (!SCHEMA_NAME.test(opts.schema)) throw new Error(`invalid schema name: ${opts.schema}`);
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.schema, opts.poolSize ?? 4) : openPglite(opts.schema, opts.pgliteDataDir);
}

async function openPostgres(url: string, schema: string, max: number): Promise<Sql> {
  // Create the schema before any pooled connection pins its search_path to it.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // Two fleets starting at once race on CREATE SCHEMA IF NOT EXISTS; the loser sees a unique violation.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  // An idle client's error (server restart) must not crash the service.
  pool.on('error', () => undefined);
  const run = async <R>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly unknown[]) => {
    const r = await client.query(text, params as unknown[] | undefined);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({ query: (text, params) => run(client, text, params) });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(schema: string, dataDir?: string): Promise<Sql> {
  const db = await createPglite(dataDir ?? 'memory://');
  // One backend, one session: the search_path set here holds for every later query.
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  type Runner = { query<R>(q: string, p?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }> };
  const run = async <R>(on: Runner, text: string, params?: readonly unknown[]) => {
    const r = await on.query<R>(text, params as unknown[] | undefined);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  };
  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    // PGlite queues transactions on its single backend, which serialises them:
    // the barrier's unique key then never has to wait on a concurrent insert.
    transaction: (fn) => db.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) })),
    close: () => db.close(),
  };
}

/**
 * A new PGlite runs initdb first: a second wasm instance, ~4 s and ~900 MB of
 * RSS here. Starting from a dumped empty cluster instead takes ~1 s and half
 * the memory, so the first service to need one leaves the dump in the temp
 * directory for the others and for later runs (keyed by PGlite's build).
 */
async function createPglite(dataDir: string): Promise<PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  // A demo service's data is tiny; PostgreSQL's default buffers would make each of the
  // four processes grow its wasm heap for nothing (~570 MB RSS instead of ~370 MB here).
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=8MB', '-c', 'wal_buffers=64kB', '-c', 'work_mem=1MB', '-c', 'temp_buffers=1MB'];
  const fresh = dataDir.startsWith('memory://') || !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const seed = seedFile();
  if (fresh && seed !== null && fs.existsSync(seed)) {
    try {
      return await PGlite.create({ dataDir, startParams, loadDataDir: new Blob([fs.readFileSync(seed)]) });
    } catch {
      fs.rmSync(seed, { force: true }); // a damaged or foreign seed: fall back to initdb
    }
  }
  const db = await PGlite.create({ dataDir, startParams });
  if (fresh && seed !== null && !fs.existsSync(seed)) {
    try {
      const dump = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
      const tmp = `${seed}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, dump);
      fs.renameSync(tmp, seed); // atomic: a concurrent reader sees the whole file or none
    } catch {
      // only an optimisation
    }
  }
  return db;
}

function seedFile(): string | null {
  try {
    const data = path.join(path.dirname(require.resolve('@electric-sql/pglite')), 'pglite.data');
    const st = fs.statSync(data);
    return path.join(os.tmpdir(), `sagascope-demo-pglite-${st.size}-${Math.round(st.mtimeMs)}.tar.gz`);
  } catch {
    return null;
  }
}
