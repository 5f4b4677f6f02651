/**
 * The ingest transaction. One call writes a batch of span rows and brings the
 * affected saga summaries up to date, all in one commit (the collector
 * acknowledges only after it returns).
 *
 * Phase 1 (concurrent across writers): stage the rows (COPY on a Postgres
 * server, an unnest INSERT on PGlite) and insert them with ON CONFLICT DO
 * NOTHING, so a re-sent span is ignored and RETURNING names the new ones.
 * Phase 2 (serialised by one transaction-level advisory lock, held to commit):
 * saga-id inheritance against stored spans and summary recomputation. Because
 * phase 2 runs one at a time and READ COMMITTED takes a fresh snapshot per
 * statement, the later of two overlapping batches always sees the other's
 * spans: a child stored before its parent is linked by whichever batch commits
 * second, and a saga touched by both is summarised from all of its spans.
 */
import type { Db, TxSql } from './connection';
import type { SpanRow } from '../ingest/span-row';
import type { ModelConfig } from '../saga/types';
import { copyField } from './pg-text';
import { loadSagaSpans } from './saga-spans';
import { upsertSummaries } from './summary-writer';
import { buildSaga } from '../saga/model';

/** Key of the advisory lock that serialises phase 2 ("sagascop" in ASCII, trimmed to int8). */
const PHASE2_LOCK = 7_310_575_219_633_000_001n;
const MAX_DEPTH = 64;

const COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'saga_id', 'service', 'name', 'kind', 'start_ms', 'end_ms',
  'status_code', 'status_message', 'saga_name', 'protocol', 'role', 'step', 'step_index', 'branch_id', 'op',
  'attempt', 'result', 'action_url', 'compensate_url', 'idempotency_key', 'zero_code', 'scope',
  'attributes', 'resource', 'events',
] as const;

const COLUMN_TYPES = [
  'text', 'text', 'text', 'text', 'text', 'text', 'int2', 'float8', 'float8',
  'int2', 'text', 'text', 'text', 'text', 'text', 'int4', 'text', 'text',
  'int4', 'text', 'text', 'text', 'text', 'bool', 'text',
  'text', 'text', 'text',
] as const;

function rowValues(r: SpanRow): (string | number | boolean | null)[] {
  return [
    r.traceId, r.spanId, r.parentSpanId, r.sagaId, r.service, r.name, r.kind, r.startMs, r.endMs,
    r.statusCode, r.statusMessage, r.sagaName, r.protocol, r.role, r.step, r.stepIndex, r.branchId, r.op,
    r.attempt, r.result, r.actionUrl, r.compensateUrl, r.idempotencyKey, r.zeroCode, r.scope,
    r.attributesJson, r.resourceJson, r.eventsJson,
  ];
}

// Staged columns → table columns: epoch ms become timestamptz, JSON text becomes jsonb.
const INSERT_SELECT = `
  INSERT INTO spans (trace_id, span_id, parent_span_id, saga_id, service, name, kind, start_time, end_time,
    duration_ms, status_code, status_message, saga_name, protocol, role, step, step_index, branch_id, op,
    attempt, result, action_url, compensate_url, idempotency_key, zero_code, scope, attributes, resource, events)
  SELECT trace_id, span_id, parent_span_id, saga_id, service, name, kind,
    to_timestamp(start_ms / 1000.0), to_timestamp(end_ms / 1000.0), end_ms - start_ms,
    status_code, status_message, saga_name, protocol, role, step, step_index, branch_id, op,
    attempt, result, action_url, compensate_url, idempotency_key, zero_code, scope,
    attributes::jsonb, resource::jsonb, events::jsonb`;

const RETURNING = `ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id, span_id, parent_span_id, saga_id`;

const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS spans_stage (${COLUMNS.map((c, i) => `${c} ${COLUMN_TYPES[i]}`).join(', ')}) ON COMMIT DELETE ROWS`;

interface NewSpan {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  saga_id: string | null;
}

function* copyChunks(rows: readonly SpanRow[]): Generator<string> {
  const CHUNK = 256;
  for (let i = 0; i < rows.length; i += CHUNK) {
    let out = '';
    const end = Math.min(rows.length, i + CHUNK);
    for (let j = i; j < end; j++) out += rowValues(rows[j]!).map(copyField).join('\t') + '\n';
    yield out;
  }
}

async function insertViaCopy(tx: TxSql, rows: readonly SpanRow[]): Promise<NewSpan[]> {
  await tx.query(STAGE_DDL);
  await tx.copyFrom!(`COPY spans_stage (${COLUMNS.join(', ')}) FROM STDIN`, copyChunks(rows));
  return tx.query<NewSpan>(`${INSERT_SELECT} FROM spans_stage ${RETURNING}`);
}

async function insertViaUnnest(tx: TxSql, rows: readonly SpanRow[]): Promise<NewSpan[]> {
  const columns: unknown[][] = COLUMNS.map(() => new Array(rows.length));
  rows.forEach((r, i) => rowValues(r).forEach((v, c) => (columns[c]![i] = v)));
  const args = COLUMNS.map((_, i) => `$${i + 1}::${COLUMN_TYPES[i]}[]`).join(', ');
  return tx.query<NewSpan>(
    `${INSERT_SELECT} FROM unnest(${args}) AS t(${COLUMNS.join(', ')}) ${RETURNING}`,
    columns,
  );
}

/** New spans still without a saga: adopt the saga of their nearest stored ancestor. */
async function adoptFromAncestors(tx: TxSql, orphans: readonly NewSpan[]): Promise<Map<string, string>> {
  const adopted = new Map<string, string>();
  if (orphans.length === 0) return adopted;
  const rows = await tx.query<{ trace_id: string; span_id: string; saga_id: string }>(
    `WITH RECURSIVE up(trace_id, span_id, parent, depth) AS (
       SELECT * , 0 FROM unnest($1::text[], $2::text[], $3::text[])
       UNION ALL
       SELECT up.trace_id, up.span_id, p.parent_span_id, up.depth + 1
         FROM up JOIN spans p ON p.trace_id = up.trace_id AND p.span_id = up.parent
        WHERE p.saga_id IS NULL AND up.depth < ${MAX_DEPTH}
     ), found AS (
       SELECT up.trace_id, up.span_id, p.saga_id
         FROM up JOIN spans p ON p.trace_id = up.trace_id AND p.span_id = up.parent
        WHERE p.saga_id IS NOT NULL
     )
     UPDATE spans s SET saga_id = found.saga_id FROM found
      WHERE s.trace_id = found.trace_id AND s.span_id = found.span_id AND s.saga_id IS NULL
     RETURNING s.trace_id, s.span_id, s.saga_id`,
    [orphans.map((o) => o.trace_id), orphans.map((o) => o.span_id), orphans.map((o) => o.parent_span_id)],
  );
  for (const r of rows) adopted.set(r.trace_id + r.span_id, r.saga_id);
  return adopted;
}

/** Stored orphans below spans that now have a saga (child stored before parent) join that saga. */
async function adoptDescendants(tx: TxSql, roots: readonly { trace_id: string; span_id: string; saga_id: string }[]): Promise<string[]> {
  if (roots.length === 0) return [];
  const rows = await tx.query<{ saga_id: string }>(
    `WITH RECURSIVE down(trace_id, span_id, saga_id, depth) AS (
       SELECT c.trace_id, c.span_id, r.saga_id, 0
         FROM unnest($1::text[], $2::text[], $3::text[]) AS r(trace_id, span_id, saga_id)
         JOIN spans c ON c.trace_id = r.trace_id AND c.parent_span_id = r.span_id AND c.saga_id IS NULL
       UNION ALL
       SELECT c.trace_id, c.span_id, down.saga_id, down.depth + 1
         FROM down JOIN spans c ON c.trace_id = down.trace_id AND c.parent_span_id = down.span_id AND c.saga_id IS NULL
        WHERE down.depth < ${MAX_DEPTH}
     )
     UPDATE spans s SET saga_id = down.saga_id FROM down
      WHERE s.trace_id = down.trace_id AND s.span_id = down.span_id AND s.saga_id IS NULL
     RETURNING s.saga_id`,
    [roots.map((r) => r.trace_id), roots.map((r) => r.span_id), roots.map((r) => r.saga_id)],
  );
  return rows.map((r) => r.saga_id);
}

export interface WriteResult {
  /** Spans new to the database (re-sent ones are not counted). */
  stored: number;
  sagasUpdated: number;
}

export async function writeSpanBatch(db: Db, rows: readonly SpanRow[], modelConfig: (nowMs: number) => ModelConfig): Promise<WriteResult> {
  if (rows.length === 0) return { stored: 0, sagasUpdated: 0 };
  return db.transaction(async (tx) => {
    const inserted = tx.copyFrom ? await insertViaCopy(tx, rows) : await insertViaUnnest(tx, rows);
    if (inserted.length === 0) return { stored: 0, sagasUpdated: 0 };

    await tx.query(`SELECT pg_advisory_xact_lock(${PHASE2_LOCK})`);
    const withSaga: { trace_id: string; span_id: string; saga_id: string }[] = [];
    const orphans: NewSpan[] = [];
    for (const s of inserted) {
      if (s.saga_id !== null) withSaga.push(s as { trace_id: string; span_id: string; saga_id: string });
      else if (s.parent_span_id !== null) orphans.push(s);
    }
    const adopted = await adoptFromAncestors(tx, orphans);
    for (const o of orphans) {
      const sagaId = adopted.get(o.trace_id + o.span_id);
      if (sagaId) withSaga.push({ trace_id: o.trace_id, span_id: o.span_id, saga_id: sagaId });
    }
    const viaDescendants = await adoptDescendants(tx, withSaga);

    const affected = [...new Set([...withSaga.map((s) => s.saga_id), ...viaDescendants])];
    if (affected.length === 0) return { stored: inserted.length, sagasUpdated: 0 };
    const spansBySaga = await loadSagaSpans(tx, affected);
    const nowMs = Date.now();
    const cfg = modelConfig(nowMs);
    const sagas = affected.flatMap((id) => {
      const spans = spansBySaga.get(id);
      return spans ? [buildSaga(id, spans, cfg)] : [];
    });
    await upsertSummaries(tx, sagas, nowMs);
    return { stored: inserted.length, sagasUpdated: sagas.length };
  });
}
