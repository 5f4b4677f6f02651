/**
 * Starts the DTM test double (server.ts) in this process: its database (DTM's
 * tables in schema `dtm` of a PostgreSQL server, or a PGlite of its own), its
 * engine and cron, its HTTP API. Used by the fleet's `dtm` process (main.ts)
 * and by tests.
 */
import { openSql, type Sql } from '../db/sql';
import { Coordinator } from './coordinator';
import type { DtmTimings } from './protocol';
import { startDtmServer, type RunningDtm } from './server';
import { DtmStore } from './store';

export interface DtmDoubleOptions {
  /** PostgreSQL server; unset → PGlite (pgliteDataDir, default in memory). */
  databaseUrl?: string;
  pgliteDataDir?: string;
  host?: string;
  port?: number;
  timings?: Partial<DtmTimings>;
  cronPollMs?: number;
  /** false: no cron (a test drives `coordinator.cronOnce()` itself). */
  cron?: boolean;
  log?: (line: string) => void;
}

export async function startDtmDouble(opts: DtmDoubleOptions = {}): Promise<RunningDtm & { sql: Sql }> {
  const sql = await openSql({ databaseUrl: opts.databaseUrl, schema: 'dtm', pgliteDataDir: opts.pgliteDataDir, poolSize: 6 });
  try {
    const store = new DtmStore(sql);
    await store.migrate();
    const coordinator = new Coordinator(store, { timings: opts.timings, cronPollMs: opts.cronPollMs, log: opts.log });
    const running = await startDtmServer(store, coordinator, opts.host ?? '127.0.0.1', opts.port ?? 0);
    if (opts.cron !== false) coordinator.startCron();
    return {
      ...running,
      sql,
      /** Tests drive `coordinator.cronOnce()` instead of waiting for the cron's timer. */
      coordinator,
      async close() {
        await running.close();
        await sql.close();
      },
    };
  } catch (err) {
    await sql.close();
    throw err;
  }
}
