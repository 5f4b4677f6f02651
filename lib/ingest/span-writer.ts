/**
 * The ingest transaction. One call writes a batch of span rows and brings the
 * affected saga summaries up to date, all in one commit (the collector
 * acknowledges only after it returns). See docs/adr/0001-ingest-transaction.md.
 *
 * Phase 1 (concurrent across writers): store the rows. On a PostgreSQL server
 * they are COPied straight into `spans` inside a savepoint; if any of them is
 * already stored (a re-sent batch), the savepoint is rolled back and the rows go
 * through a staging table and INSERT … ON CONFLICT DO NOTHING instead, which
 * names the new ones. PGlite has no COPY: one unnest INSERT … ON CONFLICT.
 * Phase 2 (serialised by one transaction-level advisory lock, held to commit):
 * saga-id inheritance against stored spans and summary recomputation. Phase 2
 * runs one at a time and READ COMMITTED takes a fresh snapshot per statement,
 * so the later of two overlapping batches always sees the other's spans: a
 * child stored before its parent is linked by whichever batch commits second,
 * and a saga touched by both is summarised from all of its spans.
 */
import type { Db, TxSql } from '../db/connection';
import type { SpanRow } from './span-row';
import type { ModelConfig, Saga, SagaSpan } from '../saga/types';
import { arrayLiteral, copyText, timestampText } from '../db/pg-text';
import { copyChunks } from '../db/copy-chunks';
import { upsertResources } from './resource-writer';
import { loadSagaSpans } from '../saga/span-store';
import { modelSagaSpans } from '../saga/model-store';
import { insertNewSummaries, upsertSummaries } from './summary-writer';
import { contributionOf, decodeContribution, encodeContribution, type Contribution } from '../stats/contribution';
import { RollupDelta } from '../stats/delta';
import { applyRollupDelta } from '../stats/rollup-writer';
import { enqueueSagaAlerts } from '../alerts/enqueue-store';
import { advisoryXactLock } from '../db/locks';
import { insertKeys, insertKeysUnderLock, keysOfRows, keysOfStoredSpans } from '../search/key-writer';
import { keyExtractorFor } from '../search/keys';

const MAX_DEPTH = 64;

const COLUMNS = [
  'trace_id', 'span_id', 'parent_span_id', 'saga_id', 'service', 'name', 'kind', 'start_time', 'end_time',
  'duration_ms', 'status_code', 'status_message', 'saga_name', 'protocol', 'role', 'step', 'step_index',
  'branch_id', 'op', 'attempt', 'result', 'action_url', 'compensate_url', 'idempotency_key', 'zero_code',
  'scope', 'attributes', 'resource_id', 'events', 'trigger',
] as const;

const COLUMN_TYPES = [
  'text', 'text', 'text', 'text', 'text', 'text', 'int2', 'timestamptz', 'timestamptz',
  'float8', 'int2', 'text', 'text', 'text', 'text', 'text', 'int4',
  'text', 'text', 'int4', 'text', 'text', 'text', 'text', 'bool',
  'text', 'jsonb', 'text', 'jsonb', 'text',
] as const;

function rowValues(r: SpanRow): (string | number | boolean | null)[] {
  return [
    r.traceId, r.spanId, r.parentSpanId, r.sagaId, r.service, r.name, r.kind, timestampText(r.startMs), timestampText(r.endMs),
    r.endMs - r.startMs, r.statusCode, r.statusMessage, r.sagaName, r.protocol, r.role, r.step, r.stepIndex,
    r.branchId, r.op, r.attempt, r.result, r.actionUrl, r.compensateUrl, r.idempotencyKey, r.zeroCode,
    r.scope, r.attributesJson, r.resourceId, r.eventsJson, r.trigger,
  ];
}

export const COLUMN_LIST = COLUMNS.join(', ');
const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS spans_stage (LIKE spans INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
const RETURNING = `ON CONFLICT (trace_id, span_id) DO NOTHING RETURNING trace_id, span_id`;

const num = (v: number | null) => (v === null ? '\\N' : String(v));

/**
 * One COPY text line, in COLUMNS order; hot path, so no intermediate arrays.
 * Ids are lowercase hex (lib/otlp/types.ts), the resource id base64url and
 * protocol / role / op / result / trigger one of their enum values, so they
 * need no escaping; JSON text holds no raw tab or newline, only backslashes.
 */
export function spanCopyLine(r: SpanRow): string {
  return (
    r.traceId + '\t' + r.spanId + '\t' + (r.parentSpanId ?? '\\N') + '\t' + copyText(r.sagaId) + '\t' +
    copyText(r.service) + '\t' + copyText(r.name) + '\t' + r.kind + '\t' + timestampText(r.startMs) + '\t' +
    timestampText(r.endMs) + '\t' + (r.endMs - r.startMs) + '\t' + r.statusCode + '\t' + copyText(r.statusMessage) + '\t' +
    copyText(r.sagaName) + '\t' + (r.protocol ?? '\\N') + '\t' + (r.role ?? '\\N') + '\t' + copyText(r.step) + '\t' +
    num(r.stepIndex) + '\t' + copyText(r.branchId) + '\t' + (r.op ?? '\\N') + '\t' + num(r.attempt) + '\t' +
    (r.result ?? '\\N') + '\t' + copyText(r.actionUrl) + '\t' + copyText(r.compensateUrl) + '\t' +
    copyText(r.idempotencyKey) + '\t' + (r.zeroCode ? 't' : 'f') + '\t' + copyText(r.scope) + '\t' +
    jsonCopyText(r.attributesJson) + '\t' + r.resourceId + '\t' + (r.eventsJson === null ? '\\N' : jsonCopyText(r.eventsJson)) + '\t' +
    (r.trigger ?? '\\N') + '\n'
  );
}

const jsonCopyText = (json: string) => (json.indexOf('\\') === -1 ? json : json.replaceAll('\\', '\\\\'));

const key = (traceId: string, spanId: string) => traceId + spanId;

function keep(rows: readonly SpanRow[], inserted: readonly { trace_id: string; span_id: string }[]): SpanRow[] {
  if (inserted.length === rows.length) return rows as SpanRow[];
  const fresh = new Set(inserted.map((r) => key(r.trace_id, r.span_id)));
  return rows.filter((r) => fresh.has(key(r.traceId, r.spanId)));
}

async function insertViaCopy(tx: TxSql, rows: readonly SpanRow[]): Promise<SpanRow[]> {
  await tx.query('SAVEPOINT direct_copy');
  try {
    await tx.copyFrom!(`COPY spans (${COLUMN_LIST}) FROM STDIN`, copyChunks(rows, spanCopyLine));
    await tx.query('RELEASE SAVEPOINT direct_copy');
    return rows as SpanRow[];
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  // Some spans were stored before (a retried export): let the database pick the new ones.
  await tx.query('ROLLBACK TO SAVEPOINT direct_copy');
  await tx.query(STAGE_DDL);
  await tx.copyFrom!(`COPY spans_stage (${COLUMN_LIST}) FROM STDIN`, copyChunks(rows, spanCopyLine));
  const inserted = await tx.query<{ trace_id: string; span_id: string }>(
    `INSERT INTO spans (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM spans_stage ${RETURNING}`,
  );
  return keep(rows, inserted);
}

async function insertViaUnnest(tx: TxSql, rows: readonly SpanRow[]): Promise<SpanRow[]> {
  const columns: unknown[][] = COLUMNS.map(() => new Array(rows.length));
  rows.forEach((r, i) => rowValues(r).forEach((v, c) => (columns[c]![i] = v)));
  const args = COLUMNS.map((_, i) => `$${i + 1}::${COLUMN_TYPES[i]}[]`).join(', ');
  const inserted = await tx.query<{ trace_id: string; span_id: string }>(
    `INSERT INTO spans (${COLUMN_LIST}) SELECT * FROM unnest(${args}) ${RETURNING}`,
    columns,
  );
  return keep(rows, inserted);
}

function dedupe(rows: readonly SpanRow[]): readonly SpanRow[] {
  // Span ids alone first: they are existing strings, so no key is built per
  // span; only a repeated span id (a re-sent span, or rarely the same id in
  // two traces) needs the full comparison below.
  const seen = new Set<string>();
  let repeated = false;
  for (const r of rows) {
    if (seen.has(r.spanId)) { repeated = true; break; }
    seen.add(r.spanId);
  }
  if (!repeated) return rows;
  const first = new Map<string, SpanRow>();
  for (const r of rows) if (!first.has(key(r.traceId, r.spanId))) first.set(key(r.traceId, r.spanId), r);
  return [...first.values()];
}

/** New spans still without a saga: adopt the saga of their nearest stored ancestor. */
async function adoptFromAncestors(tx: TxSql, orphans: readonly SpanRow[]): Promise<Map<string, string>> {
  const adopted = new Map<string, string>();
  if (orphans.length === 0) return adopted;
  const rows = await tx.query<{ trace_id: string; span_id: string; saga_id: string }>(
    `WITH RECURSIVE up(trace_id, span_id, parent, depth) AS (
       SELECT *, 0 FROM unnest($1::text[], $2::text[], $3::text[])
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
    [orphans.map((o) => o.traceId), orphans.map((o) => o.spanId), orphans.map((o) => o.parentSpanId)],
  );
  for (const r of rows) adopted.set(key(r.trace_id, r.span_id), r.saga_id);
  return adopted;
}

/**
 * Stored orphans below spans that now have a saga (child stored before parent)
 * join that saga. Orphans are rare, so the traces that have any are found
 * first (a probe of the small partial index per trace); the recursive walk
 * runs only for roots in those traces — usually none.
 */
async function adoptDescendants(tx: TxSql, roots: readonly SpanRow[]): Promise<Adopted[]> {
  if (roots.length === 0) return [];
  const traces = [...new Set(roots.map((r) => r.traceId))];
  const withOrphans = await tx.query<{ trace_id: string }>(
    `SELECT DISTINCT trace_id FROM spans WHERE saga_id IS NULL AND trace_id = ANY($1::text[])`,
    [arrayLiteral(traces)],
  );
  if (withOrphans.length === 0) return [];
  const orphanTraces = new Set(withOrphans.map((r) => r.trace_id));
  const candidates = roots.filter((r) => orphanTraces.has(r.traceId));
  return tx.query<Adopted>(
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
     RETURNING s.trace_id, s.span_id, s.saga_id`,
    [
      arrayLiteral(candidates.map((r) => r.traceId)),
      arrayLiteral(candidates.map((r) => r.spanId)),
      arrayLiteral(candidates.map((r) => r.sagaId)),
    ],
  );
}

/** A stored span that joined a saga. */
interface Adopted {
  trace_id: string;
  span_id: string;
  saga_id: string;
}

/** A fresh row as the model sees it; `receivedMs` matches the stored received_at closely enough. */
function toSagaSpan(r: SpanRow, sagaId: string, receivedMs: number): SagaSpan {
  return {
    sagaId, sagaName: r.sagaName, protocol: r.protocol, role: r.role, step: r.step, stepIndex: r.stepIndex,
    branchId: r.branchId, op: r.op, attempt: r.attempt, result: r.result, actionUrl: r.actionUrl,
    compensateUrl: r.compensateUrl, idempotencyKey: r.idempotencyKey, trigger: r.trigger, zeroCode: r.zeroCode,
    traceId: r.traceId, spanId: r.spanId, parentSpanId: r.parentSpanId, service: r.service, name: r.name,
    startMs: r.startMs, endMs: r.endMs, statusCode: r.statusCode, statusMessage: r.statusMessage, receivedMs,
  };
}

export interface WriteResult {
  /** Spans new to the database (re-sent ones are not counted). */
  stored: number;
  sagasUpdated: number;
  /** Sagas at the size limit whose new spans were stored but not modelled. */
  sagasAtLimit?: number;
  /** Time spent waiting for the phase-2 lock, and holding it until commit (ms). */
  lockWaitMs?: number;
  lockHeldMs?: number;
}

/** A saga's summary and rollup contribution, computed from its spans. */
interface Modelled {
  saga: Saga;
  contribution: Contribution;
}

/** Through lib/saga/model-store.ts, as the page, the topology and the backfill: the same cut of an oversized saga. */
function model(id: string, all: SagaSpan[], cfg: ModelConfig, maxSagaSpans: number): Modelled {
  const { saga, spans } = modelSagaSpans(id, all, cfg, maxSagaSpans);
  return { saga, contribution: contributionOf(saga, spans) };
}

/** The batch's spans of each saga they name, as the model sees them. */
export function groupBySaga(rows: readonly SpanRow[], receivedMs: number): Map<string, SagaSpan[]> {
  const bySaga = new Map<string, SagaSpan[]>();
  for (const r of rows) {
    if (r.sagaId === null) continue;
    const span = toSagaSpan(r, r.sagaId, receivedMs);
    const list = bySaga.get(r.sagaId);
    if (list) list.push(span);
    else bySaga.set(r.sagaId, [span]);
  }
  return bySaga;
}

/** A stored summary as phase 2 needs it; `version` is the row's xmin: any committed change to the row changes it. */
interface StoredSummary {
  id: string;
  rollup: string | null;
  span_count: number;
  version: string;
}

const readSummaries = (tx: TxSql, ids: readonly string[]) =>
  tx.query<StoredSummary>(`SELECT id, rollup, span_count, xmin::text AS version FROM sagas WHERE id = ANY($1::text[])`, [arrayLiteral(ids)]);

/** A summary computed for this batch, with what it replaces. */
interface Prepared extends Modelled {
  /** The stored summary it was computed against (undefined: the saga was new). */
  against: StoredSummary | undefined;
  old: Contribution | null;
}

/**
 * Models sagas of this batch from the stored spans (this transaction's new rows
 * included) and what is stored about them, as of now: ids → prepared summary.
 * A saga without a summary is modelled from `batchSpans` alone, unless
 * `reloadAll` (it may have gained stored spans by adoption). Sagas whose
 * summary is at the size limit are left out.
 */
async function prepare(
  tx: TxSql, ids: readonly string[], batchSpans: () => Map<string, SagaSpan[]>,
  cfg: ModelConfig, maxSagaSpans: number, reloadAll = false,
): Promise<{ prepared: Map<string, Prepared>; atLimit: Set<string> }> {
  const prepared = new Map<string, Prepared>();
  const atLimit = new Set<string>();
  if (ids.length === 0) return { prepared, atLimit };
  const stored = new Map((await readSummaries(tx, ids)).map((r) => [r.id, r]));
  for (const [id, s] of stored) if (Number(s.span_count) >= maxSagaSpans) atLimit.add(id); // stays as it is (lib/saga/span-store.ts)
  const reload = ids.filter((id) => !atLimit.has(id) && (reloadAll || stored.has(id)));
  const spansOf = await loadSagaSpans(tx, reload);
  let inBatch: Map<string, SagaSpan[]> | undefined;
  for (const id of ids) {
    if (atLimit.has(id)) continue;
    const all = spansOf.get(id) ?? (inBatch ??= batchSpans()).get(id);
    if (!all) continue;
    const against = stored.get(id);
    prepared.set(id, { ...model(id, all, cfg, maxSagaSpans), against, old: decodeContribution(against?.rollup ?? null) });
  }
  return { prepared, atLimit };
}

export async function writeSpanBatch(
  db: Db,
  batch: readonly SpanRow[],
  modelConfig: (nowMs: number) => ModelConfig,
  /**
   * maxSagaSpans: SAGASCOPE_MAX_SAGA_SPANS — the same cap as every other reader of the saga (lib/saga/model-store.ts).
   * keyAttributes: SAGASCOPE_KEY_ATTRIBUTES, for the keys of stored spans adopted by a saga (rows carry their own).
   */
  opts: { maxSagaSpans: number; keyAttributes?: readonly string[] | null },
): Promise<WriteResult> {
  const { maxSagaSpans } = opts;
  const rows = dedupe(batch);
  if (rows.length === 0) return { stored: 0, sagasUpdated: 0 };
  await upsertResources(db, rows);
  let lockedAt = 0;
  const result = await db.transaction(async (tx): Promise<WriteResult> => {
    const fresh = tx.copyFrom ? await insertViaCopy(tx, rows) : await insertViaUnnest(tx, rows);
    if (fresh.length === 0) return { stored: 0, sagasUpdated: 0 };

    // Optimistic phase 2. BEFORE the lock: read the stored summaries of the
    // batch's sagas, reload and model them (new ones from the batch alone),
    // append their rollup changes (old → new; changes add up, ADR 0003) and
    // insert the summaries of the new ones. UNDER the lock: link orphans, read
    // the summaries of the already stored sagas again, and keep every prepared
    // one whose row is unchanged (same xmin) — nothing else can have stored
    // spans of it meanwhile, since storing spans of a saga always rewrites its
    // summary under this lock. Only the others (changed by a concurrent batch,
    // inserted first by one, or gaining spans by adoption) are modelled again
    // under the lock, their prepared change taken back. With the model inside,
    // the lock was held 93 % of the time and phase 2 was the ceiling of ingest.
    const preparedAt = Date.now();
    const named = [...new Set(fresh.flatMap((r) => (r.sagaId === null ? [] : [r.sagaId])))];
    const early = await prepare(tx, named, () => groupBySaga(fresh, preparedAt), modelConfig(preparedAt), maxSagaSpans);
    const speculative = new RollupDelta();
    for (const p of early.prepared.values()) speculative.change(p.old, p.contribution);
    await applyRollupDelta(tx, speculative);
    // Sagas without a summary yet get theirs now, also before the lock: nothing
    // else can see these rows until commit, so no batch holding the lock ever
    // waits on them (a batch with spans of the same new saga inserts it too, and
    // waits here, before the lock). An id not returned was committed by another
    // batch first: that saga is modelled again under the lock.
    const brandNew = [...early.prepared.values()].filter((p) => p.against === undefined);
    const preInserted = await insertNewSummaries(
      tx, brandNew.map((p) => p.saga), preparedAt, brandNew.map((p) => encodeContribution(p.contribution)),
    );
    // Business keys of the spans that name their saga (lib/search/key-writer.ts: before the lock, sorted).
    await insertKeys(tx, keysOfRows(fresh));

    const waitFrom = performance.now();
    await advisoryXactLock(tx, 'ingestPhase2');
    lockedAt = performance.now();
    const lockWaitMs = lockedAt - waitFrom;
    const orphans = fresh.filter((r) => r.sagaId === null && r.parentSpanId !== null);
    const adopted = await adoptFromAncestors(tx, orphans);
    const roots: SpanRow[] = [];
    for (const r of fresh) {
      if (r.sagaId !== null) roots.push(r);
      else {
        const sagaId = adopted.get(key(r.traceId, r.spanId));
        if (sagaId !== undefined) roots.push({ ...r, sagaId });
      }
    }
    const descendants = await adoptDescendants(tx, roots);
    const touchedStored = new Set(descendants.map((d) => d.saga_id));
    // Keys of spans that joined a saga by adoption (rare: a child exported before its parent).
    if (adopted.size > 0 || descendants.length > 0) {
      const adoptedKeys = keysOfRows(roots.filter((r) => r.keys !== null && adopted.has(key(r.traceId, r.spanId))));
      adoptedKeys.push(...(await keysOfStoredSpans(tx, descendants, keyExtractorFor(opts.keyAttributes))));
      await insertKeysUnderLock(tx, adoptedKeys);
    }
    // Sagas that gained spans by adoption: their prepared model lacks them.
    const gained = new Set([...adopted.values(), ...touchedStored]);

    const affected = [...new Set([...roots.map((r) => r.sagaId!), ...touchedStored])];
    // Versions matter only for sagas this batch did not insert itself.
    const now = new Map((await readSummaries(tx, affected.filter((id) => !preInserted.has(id)))).map((r) => [r.id, r]));
    const correction = new RollupDelta();
    const keep = new Map<string, Prepared>();
    const redo: string[] = [];
    const written: Prepared[] = [];
    for (const id of affected) {
      const p = early.prepared.get(id);
      if (p && preInserted.has(id)) {
        // Stored already, and this batch holds the row. Only adoption can have
        // added spans; re-modelled, the row itself says what to take back.
        if (gained.has(id)) redo.push(id);
        else written.push(p);
        continue;
      }
      const unchanged = p?.against !== undefined && now.get(id)?.version === p.against.version;
      if (p && unchanged && !gained.has(id)) keep.set(id, p);
      else {
        if (p) correction.change(p.contribution, p.old); // take the prepared change back
        if (!early.atLimit.has(id)) redo.push(id); // a summary at the size limit stays at it
      }
    }
    const nowMs = Date.now();
    const late = await prepare(tx, redo, () => groupBySaga(roots, nowMs), modelConfig(nowMs), maxSagaSpans, true);
    for (const p of late.prepared.values()) correction.change(p.old, p.contribution);

    const done = [...keep.values(), ...late.prepared.values()];
    await upsertSummaries(tx, done.map((p) => p.saga), nowMs, done.map((p) => encodeContribution(p.contribution)));
    await applyRollupDelta(tx, correction);
    const sagas = [...written, ...done].map((p) => p.saga);
    await enqueueSagaAlerts(tx, sagas.map((s) => s.id), nowMs);
    const atLimit = new Set([...early.atLimit, ...late.atLimit].filter((id) => !keep.has(id) && !late.prepared.has(id)));
    return { stored: fresh.length, sagasUpdated: sagas.length, sagasAtLimit: atLimit.size, lockWaitMs };
  });
  // The lock is released by the commit, so its hold includes it.
  if (lockedAt > 0) result.lockHeldMs = performance.now() - lockedAt;
  return result;
}
