/**
 * The one place that opens database connections. Two backends behind one shape:
 * - `postgres`: a pg Pool shared by Prisma (adapter-pg) and the raw-SQL write path.
 * - `pglite`: embedded PostgreSQL in this process. PGlite is a single backend, so
 *   exactly one process may own it and every query goes through it serially
 *   (TOOLCHAIN-NOTES: several connections return wrong results, COPY fails).
 *
 * Both the collector and the Next.js server run in the same process in embedded
 * mode; Next bundles its own copy of this module, so the handle lives on
 * globalThis to be shared across the two module instances.
 */
import type { Readable } from 'node:stream';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import type { Config } from '../config/env';

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

/** A transaction's connection. `copyFrom` exists only on a real Postgres server. */
export interface TxSql extends Sql {
  copyFrom?: (copySql: string, chunks: Iterable<string | Uint8Array>) => Promise<void>;
}

/** One connection held for a while (a streamed export's cursor); released exactly once. */
export interface ReservedSql extends Sql {
  release(broken?: boolean): void;
  /**
   * `COPY … TO STDOUT`: the bytes as PostgreSQL sends them, read from the socket
   * only as fast as the stream is consumed. A copy abandoned before its end
   * leaves the connection unusable: release it as broken.
   */
  copyTo(copySql: string): Promise<Readable>;
  /** A string as an SQL literal (COPY takes no bind parameters). */
  escapeLiteral(value: string): string;
}

export interface Db extends Sql {
  kind: 'postgres' | 'pglite';
  prisma: PrismaClient;
  transaction<T>(fn: (tx: TxSql) => Promise<T>): Promise<T>;
  /** A dedicated pooled connection (PostgreSQL server only; PGlite has a single backend). */
  reserve?: () => Promise<ReservedSql>;
  close(): Promise<void>;
}

// Timestamps and int8 come back as text from raw queries on the hot path; callers
// select epoch milliseconds as float8 where they need numbers.
function postgresDb(url: string, poolSize: number): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000 });
  // A dropped idle connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgres',
    prisma,
    async query(text, params) {
      return (await pool.query(text, params as unknown[])).rows;
    },
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      const detach = onCheckedOutError(client, () => (broken = true));
      try {
        await client.query('BEGIN');
        const tx: TxSql = {
          query: async (text, params) => (await client.query(text, params as unknown[])).rows,
          copyFrom: (copySql, chunks) => copyFrom(client, copySql, chunks),
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        detach();
        client.release(broken);
      }
    },
    async reserve() {
      const client = await pool.connect();
      let released = false;
      let lost = false;
      const detach = onCheckedOutError(client, () => (lost = true));
      return {
        query: async (text, params) => (await client.query(text, params as unknown[])).rows,
        async copyTo(copySql) {
          const { to } = await import('pg-copy-streams');
          return client.query(to(copySql));
        },
        escapeLiteral: (value) => client.escapeLiteral(value),
        release(broken = false) {
          if (released) return;
          released = true;
          detach();
          client.release(broken || lost);
        },
      };
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * pg-pool listens for errors only on idle clients. A checked-out client whose
 * backend dies between two queries (pg_terminate_backend, a server restart)
 * emits 'error' with nobody listening, which would crash the process; the next
 * query on it fails anyway, and the client is then discarded instead of reused.
 */
function onCheckedOutError(client: pg.PoolClient, lost: () => void): () => void {
  const listener = () => lost();
  client.on('error', listener);
  return () => client.removeListener('error', listener);
}

async function copyFrom(client: pg.PoolClient, copySql: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const { from } = await import('pg-copy-streams');
  const stream = client.query(from(copySql));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    const it = chunks[Symbol.iterator]();
    const pump = () => {
      for (;;) {
        const next = it.next();
        if (next.done) {
          stream.end();
          return;
        }
        if (!stream.write(next.value)) {
          stream.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

export interface OpenOptions {
  /** Runs on the embedded database before anything else uses it (migrations). */
  prepareEmbedded?: (lite: PGlite) => Promise<void>;
}

async function pgliteDb(dataDir: string, opts: OpenOptions): Promise<Db> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  const fs = await import('node:fs');
  if (!dataDir.startsWith('memory://')) fs.mkdirSync(dataDir, { recursive: true });
  const lite: PGlite = await PGlite.create(dataDir);
  await opts.prepareEmbedded?.(lite);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  return {
    kind: 'pglite',
    prisma,
    async query(text, params) {
      return (await lite.query(text, params as unknown[])).rows as never[];
    },
    async transaction(fn) {
      return lite.transaction(async (t) =>
        fn({ query: async (text, params) => (await t.query(text, params as unknown[])).rows as never[] }),
      );
    },
    async close() {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

export type DbConfig = Pick<Config, 'DATABASE_URL' | 'SAGASCOPE_DATA_DIR' | 'SAGASCOPE_DB_POOL_SIZE'>;

export async function openDb(config: DbConfig, opts: OpenOptions = {}): Promise<Db> {
  return config.DATABASE_URL
    ? postgresDb(config.DATABASE_URL, config.SAGASCOPE_DB_POOL_SIZE)
    : pgliteDb(config.SAGASCOPE_DATA_DIR, opts);
}

const SHARED = Symbol.for('sagascope.db');
type Holder = { [SHARED]?: Promise<Db> };

/** The process-wide handle (shared between the collector and Next's bundle). */
export function sharedDb(config: DbConfig): Promise<Db> {
  const g = globalThis as Holder;
  g[SHARED] ??= openDb(config);
  return g[SHARED];
}

/** Install an already-open handle as the process-wide one (server/start.ts, tests). */
export function setSharedDb(db: Db): void {
  (globalThis as Holder)[SHARED] = Promise.resolve(db);
}
