/**
 * The collector's retention loop: every SAGASCOPE_RETENTION_INTERVAL_MS, delete
 * spans older than SAGASCOPE_RETENTION_DAYS (lib/retention/store.ts), run as one
 * of the collector's periodic tasks (periodic.ts: one pass at a time, failures
 * logged and retried on the next tick, an unref'd timer). Several collectors
 * pruning the same database is safe (see
 * lib/retention/store.ts), only redundant.
 */
import type { Db } from '../lib/db/connection';
import { pruneExpiredSpans, pruneExpiredRollups, retentionCutoff, DEFAULT_RETENTION_BATCH, type PruneResult } from '../lib/retention/store';
import { log } from '../lib/log';
import { startPeriodic } from './periodic';

export interface RetentionLoop {
  /** Runs one pass now (or joins the one in progress). Null when retention is off. */
  runNow(): Promise<PruneResult | null>;
  /** Stops the timer; an ongoing pass stops after its current batch. */
  stop(): Promise<void>;
}

export interface RetentionOptions {
  /** Span retention in days; 0 = keep forever. */
  days: number;
  /** Rollup retention in days (SAGASCOPE_ROLLUP_RETENTION_DAYS); 0 or absent = keep forever. */
  rollupDays?: number;
  intervalMs: number;
  batchSize?: number;
  now?: () => number;
}

export function startRetentionLoop(db: Db, opts: RetentionOptions): RetentionLoop {
  const rollupDays = opts.rollupDays ?? 0;
  if (opts.days <= 0 && rollupDays <= 0) return { runNow: async () => null, stop: async () => {} };
  const now = opts.now ?? Date.now;
  return startPeriodic('retention pass', opts.intervalMs, async (stopped): Promise<PruneResult> => {
    const started = now();
    const olderThan = retentionCutoff(opts.days, started);
    const batchSize = opts.batchSize ?? DEFAULT_RETENTION_BATCH;
    const r: PruneResult = opts.days > 0
      ? await pruneExpiredSpans(db, { olderThan, batchSize, shouldContinue: () => !stopped() })
      : { spansDeleted: 0, sagasDeleted: 0, spanBatches: 0, sagaBatches: 0, partitionsDropped: 0, keysDeleted: 0, resourcesDeleted: null, complete: true };
    if (rollupDays > 0) {
      const rollupRows = await pruneExpiredRollups(db, retentionCutoff(rollupDays, started), batchSize, () => !stopped());
      if (rollupRows > 0) log.info('rollup retention pass', { rollupRowsDeleted: rollupRows });
    }
    if (r.spansDeleted > 0 || r.sagasDeleted > 0 || r.partitionsDropped > 0) {
      log.info('retention pass', {
        olderThan: olderThan.toISOString(),
        spansDeleted: r.spansDeleted,
        partitionsDropped: r.partitionsDropped,
        sagasDeleted: r.sagasDeleted,
        keysDeleted: r.keysDeleted,
        spanBatches: r.spanBatches,
        complete: r.complete,
        ms: now() - started,
      });
    }
    return r;
  });
}
