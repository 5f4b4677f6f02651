/**
 * Loading the model's view of stored spans (lib/saga/types SagaSpan). Used by the
 * write path (summaries recomputed in the ingest transaction) and by the saga
 * detail read, so both derive a saga from the same columns.
 */
import type { Sql } from '../db/connection';
import type { SagaSpan, Protocol, Role, Op, ResultOverride } from './types';

// Times as float8 epoch milliseconds: no Date objects on the hot path.
export const SAGA_SPAN_SELECT = `
  SELECT saga_id, trace_id, span_id, parent_span_id, service, name,
         extract(epoch FROM start_time)::float8 * 1000 AS start_ms,
         extract(epoch FROM end_time)::float8 * 1000 AS end_ms,
         extract(epoch FROM received_at)::float8 * 1000 AS received_ms,
         status_code, status_message, saga_name, protocol, role, step, step_index,
         branch_id, op, attempt, result, action_url, compensate_url, idempotency_key, zero_code, trigger
    FROM spans`;

interface SagaSpanRow {
  saga_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  service: string;
  name: string;
  start_ms: number;
  end_ms: number;
  received_ms: number;
  status_code: number;
  status_message: string | null;
  saga_name: string | null;
  protocol: string | null;
  role: string | null;
  step: string | null;
  step_index: number | null;
  branch_id: string | null;
  op: string | null;
  attempt: number | null;
  result: string | null;
  action_url: string | null;
  compensate_url: string | null;
  idempotency_key: string | null;
  zero_code: boolean;
  trigger: string | null;
}

export function rowToSagaSpan(r: SagaSpanRow): SagaSpan {
  return {
    sagaId: r.saga_id,
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    service: r.service,
    name: r.name,
    startMs: Number(r.start_ms),
    endMs: Number(r.end_ms),
    receivedMs: Number(r.received_ms),
    statusCode: Number(r.status_code),
    statusMessage: r.status_message,
    sagaName: r.saga_name,
    protocol: r.protocol as Protocol | null,
    role: r.role as Role | null,
    step: r.step,
    stepIndex: r.step_index,
    branchId: r.branch_id,
    op: r.op as Op | null,
    attempt: r.attempt,
    result: r.result as ResultOverride | null,
    actionUrl: r.action_url,
    compensateUrl: r.compensate_url,
    idempotencyKey: r.idempotency_key,
    trigger: r.trigger === 'manual' ? 'manual' : null,
    zeroCode: r.zero_code,
  };
}

/**
 * The first `max` spans by (start, span id, trace id): the part of an oversized
 * saga the model covers. The saga-size limit (SAGASCOPE_MAX_SAGA_SPANS, its one
 * source is lib/config/env.ts): the model sees at most this many spans of one
 * saga, the earliest by start time. Later spans are stored (and shown on trace
 * pages) but no longer change the summary: rebuilding an ever-growing saga on
 * every batch would make ingest quadratic in its size. Callers go through
 * lib/saga/model-store.ts, so every reader cuts a saga the same way.
 */
export function capSagaSpans<T extends { startMs: number; spanId: string; traceId: string }>(spans: T[], max: number): { spans: T[]; capped: boolean } {
  if (spans.length <= max) return { spans, capped: false };
  const sorted = [...spans].sort((a, b) =>
    a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0));
  return { spans: sorted.slice(0, max), capped: true };
}

/** All stored spans of the given sagas, grouped by saga id. */
export async function loadSagaSpans(sql: Sql, sagaIds: readonly string[]): Promise<Map<string, SagaSpan[]>> {
  const out = new Map<string, SagaSpan[]>();
  if (sagaIds.length === 0) return out;
  const rows = await sql.query<SagaSpanRow>(`${SAGA_SPAN_SELECT} WHERE saga_id = ANY($1::text[])`, [sagaIds]);
  for (const row of rows) {
    const span = rowToSagaSpan(row);
    const list = out.get(row.saga_id);
    if (list) list.push(span);
    else out.set(row.saga_id, [span]);
  }
  return out;
}
