/**
 * The collector's timed-transition pass (lib/ingest/transition-writer.ts): every
 * SAGASCOPE_TRANSITION_INTERVAL_MS, due transitions are made permanent so the
 * rollups count a stalled saga as stuck and its alert goes out. Several
 * collectors doing this is safe: each pass locks the summary rows it changes
 * and skips rows a batch holds (ADR 0012).
 */
import type { Db } from '../lib/db/connection';
import { applyDueTransitions } from '../lib/ingest/transition-writer';
import { startPeriodic, type PeriodicTask } from './periodic';

const PER_TRANSACTION = 1000;

export function startTransitionLoop(db: Db, intervalMs: number, now: () => number = Date.now): PeriodicTask<number> {
  return startPeriodic('timed transitions', intervalMs, async (stopped) => {
    let applied = 0;
    for (;;) {
      const n = await applyDueTransitions(db, now(), PER_TRANSACTION);
      applied += n;
      if (n < PER_TRANSACTION || stopped()) return applied;
    }
  });
}
