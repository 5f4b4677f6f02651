import type { AnomalyKind, PendingTransition, SagaStatus } from './types';

/**
 * Summaries are computed when spans arrive, but some statuses change with time
 * alone (running → stuck, forward done → committed, compensating → failed). The
 * model returns the one transition still ahead as `next`; storage keeps it next
 * to the status, and every read path applies it with this function so that a
 * saga nobody has touched for an hour is not shown as "running".
 */
export interface TimedSummary {
  status: SagaStatus;
  anomalies: readonly AnomalyKind[];
  next: PendingTransition | null;
}

/**
 * The summary as it stands at `nowMs`: unchanged (the same object) before the
 * transition is due, else a copy with the transition's status and anomaly kinds
 * and no further transition. At most one transition exists, so one application
 * is complete.
 */
export function applyPendingTransition<T extends TimedSummary>(summary: T, nowMs: number): T {
  const { next } = summary;
  if (next === null || nowMs < next.atMs) return summary;
  return { ...summary, status: next.status, anomalies: [...next.anomalies], next: null };
}

/**
 * Rebuilds `next` from the storage columns (status_after, status_changes_at,
 * anomalies_after); null when no transition is stored.
 */
export function pendingTransitionFromColumns(
  statusAfter: SagaStatus | null,
  statusChangesAt: Date | number | null,
  anomaliesAfter: readonly AnomalyKind[] | null,
): PendingTransition | null {
  if (statusAfter === null || statusChangesAt === null) return null;
  const atMs = typeof statusChangesAt === 'number' ? statusChangesAt : statusChangesAt.getTime();
  return { atMs, status: statusAfter, anomalies: [...(anomaliesAfter ?? [])] };
}
