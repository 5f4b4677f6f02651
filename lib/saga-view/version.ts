/**
 * A saga's version: a short token that changes whenever its page would show
 * something else, read from its summary row without building the view
 * (version-store.ts reads the inputs). The saga page polls it with
 * If-None-Match while the saga runs and re-renders only when it changes
 * (components/saga/LiveUpdates.tsx), so an idle poll costs one indexed row read
 * and a 304.
 *
 * What changes a page: a span (the ingest transaction rewrites updated_at and
 * span_count, and writes the business keys in the same transaction), a timed
 * status transition with no span (running → stuck, … lib/saga/transition.ts),
 * a manual action (an audit entry), and DTM's word on the saga (its status,
 * branches and retries; not the time it was read, which changes on every read).
 */
import { createHash } from 'node:crypto';
import type { AnomalyKind, PendingTransition, SagaStatus } from '../saga/types';
import { applyPendingTransition } from '../saga/transition';
import { isTerminalStatus } from '../saga/ops';
import type { CoordinatorJson } from '../dtm/view';

export interface VersionInputs {
  updatedAtMs: number;
  /** The summary's span count, or the stored spans of a saga at the size limit (lib/db/read.ts spansBehindStamp). */
  spanCount: number;
  status: SagaStatus;
  anomalies: readonly AnomalyKind[];
  next: PendingTransition | null;
  /** The newest audit entry's seq that targets the saga; 0 when none. */
  auditSeq: number;
  /** DTM's view (null: not configured or not a DTM saga). */
  coordinator: CoordinatorJson | null;
}

export interface SagaVersion {
  /** Opaque; compared for equality only. */
  version: string;
  /** The summary's status at `nowMs`. */
  status: SagaStatus;
  terminal: boolean;
}

export function sagaVersion(inputs: VersionInputs, nowMs: number): SagaVersion {
  const { status, anomalies } = applyPendingTransition({ status: inputs.status, anomalies: inputs.anomalies, next: inputs.next }, nowMs);
  const c = inputs.coordinator;
  const coordinator = c
    ? [c.status, c.nextRetryAt, c.retryIntervalS, c.rollbackReason, c.error === null, c.branches.map((b) => [b.branchId, b.op, b.status, b.finishedAt])]
    : null;
  const text = JSON.stringify([inputs.updatedAtMs, inputs.spanCount, status, [...anomalies].sort(), inputs.auditSeq, coordinator]);
  // 96 bits of SHA-256: an ETag, not a secret; short enough to send every 2 s.
  const version = createHash('sha256').update(text).digest('base64url').slice(0, 16);
  return { version, status, terminal: isTerminalStatus(status) };
}

/** The version as a strong entity tag. */
export function versionEtag(version: string): string {
  return `"${version}"`;
}
