/**
 * Makes due timed transitions (running → stuck, compensating → failed, quiet →
 * committed; lib/saga/transition.ts) permanent in the summary rows, moves the
 * sagas' rollup counts to the new status and queues alerts for them. Read paths
 * already apply a due transition themselves; this is what lets rollups and
 * alerts see it. Run by the collector (collector/transitions.ts). It locks
 * the rows it changes and skips rows another writer holds (ADR 0012), so it
 * never interleaves with a batch rebuilding the same saga (which would compute
 * the transition itself and subtract what this stored); a skipped saga is
 * either rebuilt by that batch, transition included, or taken next pass.
 */
import type { Db } from '../db/connection';
import type { SagaStatus } from '../saga/types';
import { advisoryXactLockShared } from '../db/locks';
import { decodeContribution, encodeContribution, sagaCounts, withSagaLevel } from '../stats/contribution';
import { RollupDelta } from '../stats/delta';
import { applyRollupDelta } from '../stats/rollup-writer';
import { enqueueSagaAlerts } from '../alerts/enqueue-store';

interface DueRow {
  id: string;
  name: string | null;
  status_after: SagaStatus;
  start_ms: number;
  duration_ms: number;
  ttc_ms: number | null;
  ttr_ms: number | null;
  compensation_count: number;
  rollup: string | null;
}

/** Applies up to `limit` due transitions in one transaction; returns how many. */
export async function applyDueTransitions(db: Db, nowMs: number, limit = 1000): Promise<number> {
  return db.transaction(async (tx) => {
    await advisoryXactLockShared(tx, 'ingestPhase2'); // excludes an older collector's exclusive phase 2 (ADR 0012)
    const due = await tx.query<DueRow>(
      `SELECT id, name, status_after, extract(epoch FROM started_at)::float8 * 1000 AS start_ms, duration_ms,
              time_to_consistency_ms AS ttc_ms, time_to_repair_ms AS ttr_ms, compensation_count, rollup
         FROM sagas
        WHERE status_after IS NOT NULL AND status_changes_at <= to_timestamp($1::float8 / 1000)
        ORDER BY status_changes_at LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [nowMs, limit],
    );
    if (due.length === 0) return 0;
    const delta = new RollupDelta();
    const rollups = due.map((r) => {
      const old = decodeContribution(r.rollup);
      if (!old) return null; // a summary from before rollups existed: it has added nothing yet
      const next = withSagaLevel(old, {
        name: r.name,
        status: r.status_after,
        startMs: Number(r.start_ms),
        durationMs: Number(r.duration_ms),
        timeToConsistencyMs: r.ttc_ms === null ? null : Number(r.ttc_ms),
        timeToRepairMs: r.ttr_ms === null ? null : Number(r.ttr_ms),
        retries: sagaCounts(old)?.[2] ?? 0,
        compensationCount: r.compensation_count,
      });
      delta.change(old, next);
      return encodeContribution(next);
    });
    const ids = due.map((r) => r.id);
    await tx.query(
      `UPDATE sagas s SET status = s.status_after, anomalies = s.anomalies_after, status_after = NULL,
              status_changes_at = NULL, anomalies_after = '{}', rollup = COALESCE(t.rollup, s.rollup),
              updated_at = to_timestamp($3::float8 / 1000)
         FROM unnest($1::text[], $2::text[]) AS t(id, rollup)
        WHERE s.id = t.id`,
      [ids, rollups, nowMs],
    );
    await applyRollupDelta(tx, delta);
    await enqueueSagaAlerts(tx, ids, nowMs);
    return due.length;
  });
}
