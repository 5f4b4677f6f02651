/**
 * Integration-test environment: a scratch database on the real PostgreSQL
 * server (SAGASCOPE_TEST_DATABASE_URL, default the local server), migrated with
 * the project's own migration path, and a collector on ephemeral loopback ports.
 * Falls back to in-memory PGlite only when no server is reachable (a fresh
 * machine without PostgreSQL); CI always has the server.
 *
 * SAGASCOPE_SPAN_PARTITIONS=daily in the test run's environment builds every
 * scratch database in the daily-partitioned span layout (lib/db/span-partitions.ts):
 * `npm run test:integration:partitioned` runs the whole integration project that
 * way. A test that opens a database or a collector config of its own passes
 * SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS, or it stays plain in that run.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { parseConfig, type Config } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import type { Db } from '../../lib/db/connection';
import { startCollector, type RunningCollector } from '../../collector/start-collector';

const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The span layout of this run's scratch databases (see the module comment). */
export const SPAN_PARTITIONS: 'none' | 'daily' = process.env.SAGASCOPE_SPAN_PARTITIONS === 'daily' ? 'daily' : 'none';

export interface TestEnv {
  db: Db;
  config: Config;
  collector: RunningCollector;
  databaseUrl: string | undefined;
  grpcUrl: string;
  httpUrl: string;
  close(): Promise<void>;
}

async function serverReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sagascope_it_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function startTestEnv(overrides: Record<string, string> = {}, opts: { embedded?: boolean; now?: () => number } = {}): Promise<TestEnv> {
  const useServer = !opts.embedded && (await serverReachable());
  const scratch = useServer ? await createScratchDatabase() : null;
  const config = parseConfig({
    SAGASCOPE_DATA_DIR: 'memory://',
    SAGASCOPE_HOST: '127.0.0.1',
    COLLECTOR_GRPC_PORT: '0',
    COLLECTOR_HTTP_PORT: '0',
    SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    ...overrides,
  });
  const db = await openMigratedDb(config);
  const collector = await startCollector(db, config, { now: opts.now });
  return {
    db,
    config,
    collector,
    databaseUrl: scratch?.url,
    grpcUrl: `http://127.0.0.1:${collector.grpcPort}`,
    httpUrl: `http://127.0.0.1:${collector.httpPort}`,
    async close() {
      await collector.close();
      await db.close();
      await scratch?.drop();
    },
  };
}

/** Poll until `check` passes or the timeout elapses (ingest is asynchronous for SDK exporters). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
