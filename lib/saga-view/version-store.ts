/** The inputs of a saga's version (lib/saga-view/version.ts): its summary row and its newest audit entry, one query. */
import type { Db } from '../db/connection';
import type { AnomalyKind, SagaStatus } from '../saga/types';
import { pendingTransitionFromColumns } from '../saga/transition';
import type { CoordinatorLookup } from '../dtm/connector';
import { sagaVersion, type SagaVersion } from './version';
import { spansBehindStamp } from '../db/read';

interface Row {
  updated_at: Date;
  span_count: number;
  status: string;
  status_after: string | null;
  status_changes_at: Date | null;
  anomalies: string[];
  anomalies_after: string[];
  audit_seq: string | null;
}

/** Null when the saga has no summary (no span of it stored). */
export async function readSagaVersion(
  db: Db, id: string, nowMs: number, maxSagaSpans: number, coordinator: CoordinatorLookup | null = null,
): Promise<SagaVersion | null> {
  // audit_log_saga_id_seq_idx answers the max with one index probe.
  const [row] = await db.query<Row>(
    `SELECT s.updated_at, s.span_count, s.status, s.status_after, s.status_changes_at, s.anomalies, s.anomalies_after,
       (SELECT max(a.seq)::text FROM audit_log a WHERE a.saga_id = s.id) AS audit_seq
     FROM sagas s WHERE s.id = $1`,
    [id],
  );
  if (!row) return null;
  const spanCount = await spansBehindStamp(db, id, Number(row.span_count), maxSagaSpans);
  const lookup = coordinator && coordinator.kind !== 'none' ? coordinator : null;
  return sagaVersion(
    {
      updatedAtMs: new Date(row.updated_at).getTime(),
      spanCount,
      status: row.status as SagaStatus,
      anomalies: row.anomalies as AnomalyKind[],
      next: pendingTransitionFromColumns(row.status_after as SagaStatus | null, row.status_changes_at === null ? null : new Date(row.status_changes_at), row.anomalies_after as AnomalyKind[]),
      auditSeq: row.audit_seq === null ? 0 : Number(row.audit_seq),
      coordinator: lookup ? lookup.json : null,
    },
    nowMs,
  );
}
