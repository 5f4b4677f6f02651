/**
 * Read side of the data-access module: what the API routes and the pages show.
 * Lists come from the saga summaries maintained on ingest; a saga's detail is
 * derived from its spans with the same model the collector uses.
 */
import type { Db } from './connection';
import type { SagaListQuery } from '../api/query';
import { decodeCursor, encodeCursor } from '../api/query';
import type { SagaList, TraceJson, SpanJson, AuditEntry } from '../api/types';
import type { ModelConfig } from '../saga/types';
import { loadSagaModel } from '../saga/model-store';
import { sagaRowToSummaryJson } from './to-json';
import { auditForSaga } from '../audit/store';
import { cachedView, viewStamp, rememberView } from '../saga-view/cache';
import { buildSagaView, type SagaView } from '../saga-view/view';
import { coordinatorOf, type CoordinatorLookup } from '../dtm/connector';
import { withCallsSeen } from '../dtm/view';
import { sagaFilterConditions } from '../search/saga-filter';
import { keysOfSagaSpans } from '../search/saga-keys';
import { DEFAULT_KEY_ATTRIBUTES } from '../search/keys';

/** Columns of a summary row (lib/db/to-json.ts sagaRowToSummaryJson), as SQL. */
const SUMMARY_COLUMNS = `id, name, protocol, status, status_after, status_changes_at, anomalies, anomalies_after, started_at,
  last_span_end_at, duration_ms, services, step_count, failed_step, compensation_count, time_to_consistency_ms,
  repaired_at, time_to_repair_ms`;

interface SummaryRecord {
  id: string; name: string | null; protocol: string; status: string; status_after: string | null;
  status_changes_at: Date | string | null; anomalies: string[]; anomalies_after: string[]; started_at: Date | string;
  last_span_end_at: Date | string; duration_ms: number; services: string[]; step_count: number; failed_step: string | null;
  compensation_count: number; time_to_consistency_ms: number | null; repaired_at: Date | string | null; time_to_repair_ms: number | null;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const dateOrNull = (v: Date | string | null) => (v === null ? null : date(v));
const numOrNull = (v: number | null) => (v === null ? null : Number(v));

/** A summary row in the shape sagaRowToSummaryJson reads (Prisma's field names). */
function toSagaRow(r: SummaryRecord) {
  return {
    id: r.id, name: r.name, protocol: r.protocol, status: r.status, statusAfter: r.status_after,
    statusChangesAt: dateOrNull(r.status_changes_at), anomalies: r.anomalies, anomaliesAfter: r.anomalies_after,
    startedAt: date(r.started_at), lastSpanEndAt: date(r.last_span_end_at), durationMs: Number(r.duration_ms),
    services: r.services, stepCount: Number(r.step_count), failedStep: r.failed_step,
    compensationCount: Number(r.compensation_count), timeToConsistencyMs: numOrNull(r.time_to_consistency_ms),
    repairedAt: dateOrNull(r.repaired_at), timeToRepairMs: numOrNull(r.time_to_repair_ms),
  };
}
type SagaRow = ReturnType<typeof toSagaRow>;

/**
 * Newest first, filtered by lib/search/saga-filter.ts (raw SQL: `q`'s
 * case-insensitive and prefix matches need expression indexes Prisma cannot name).
 */
export async function listSagas(db: Db, q: SagaListQuery, nowMs: number = Date.now()): Promise<SagaList> {
  const params: unknown[] = [];
  const where = sagaFilterConditions(q, nowMs, params);
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  const position = (r: SagaRow, before = false) => encodeCursor({ startedAtMs: r.startedAt.getTime(), id: r.id, before });
  const summaries = (rows: SagaRow[]) => rows.map((r) => sagaRowToSummaryJson(r, nowMs));
  const select = async (conditions: string[], args: unknown[], order: 'ASC' | 'DESC'): Promise<SagaRow[]> => {
    const all = [...args, q.limit + 1];
    const rows = await db.query<SummaryRecord>(
      `SELECT ${SUMMARY_COLUMNS} FROM sagas ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY started_at ${order}, id ${order} LIMIT $${all.length}`,
      all,
    );
    return rows.map(toSagaRow);
  };

  if (cursor?.before) {
    // Paging back: the rows just newer than the cursor, read oldest first, shown newest first.
    const args = [...params, new Date(cursor.startedAtMs).toISOString(), cursor.id];
    const newer = await select([...where, `(started_at, id) > ($${args.length - 1}::timestamptz, $${args.length})`], args, 'ASC');
    if (newer.length > q.limit) {
      const page = newer.slice(0, q.limit).reverse();
      return { items: summaries(page), nextCursor: position(page[page.length - 1]!), prevCursor: position(page[0]!, true) };
    }
    // Less than a page is newer: going back lands on the first page, shown full.
  }
  const after = cursor && !cursor.before ? cursor : null;
  const args = [...params];
  const conditions = [...where];
  if (after) {
    args.push(new Date(after.startedAtMs).toISOString(), after.id);
    conditions.push(`(started_at, id) < ($${args.length - 1}::timestamptz, $${args.length})`);
  }
  const rows = await select(conditions, args, 'DESC');
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: summaries(page),
    nextCursor: rows.length > q.limit && last ? position(last) : null,
    // A page after a cursor has newer sagas before it (an empty one offers "first page" instead).
    prevCursor: after && page.length > 0 ? position(page[0]!, true) : null,
  };
}

/**
 * The span count a cached detail is valid for. Below the size limit the
 * summary's count changes whenever a span of the saga is stored. At the limit
 * the summary stays as it is while later spans are still stored, and they can
 * change the page (the modelled cut takes the earliest spans, the detail counts
 * them all), so the stored spans are counted instead: an index-only count of one
 * saga's spans, paid by capped sagas only.
 */
export async function spansBehindStamp(db: Db, id: string, summarySpanCount: number, maxSagaSpans: number): Promise<number> {
  if (summarySpanCount < maxSagaSpans) return summarySpanCount;
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE saga_id = $1`, [id]);
  return n;
}

/** A saga's view (lib/saga-view/view.ts) and the audit entries that target it (manual actions, oldest first: never cached). */
export interface SagaDetailRead {
  view: SagaView;
  audit: AuditEntry[];
  /** Business keys (lib/search/keys.ts), by name then value; at most 200. */
  keys: { name: string; value: string }[];
}

/**
 * maxSagaSpans: SAGASCOPE_MAX_SAGA_SPANS (lib/db/index.ts sagaSpanLimit()), the cap ingest, topology and backfill use too.
 * coordinator: DTM's view of the saga (lib/dtm/connector.ts), read by the caller (this module does no network I/O);
 * the model hears its word, and the view carries it as `coordinator` (null when there is none).
 */
export async function getSagaDetail(
  db: Db, id: string, cfg: ModelConfig, maxSagaSpans: number, coordinator: CoordinatorLookup | null = null,
  keyAttributes: readonly string[] | null = DEFAULT_KEY_ATTRIBUTES,
): Promise<SagaDetailRead | null> {
  const dtm = coordinator ? coordinatorOf(coordinator) : { input: null, facts: null };
  // Read before the spans: a span committed in between leaves an older stamp on
  // the entry, so the next read rebuilds rather than keeping a stale model.
  const [summary] = await db.query<{ updated_at: Date; span_count: number }>(`SELECT updated_at, span_count FROM sagas WHERE id = $1`, [id]);
  const baseStamp = summary ? viewStamp(new Date(summary.updated_at), await spansBehindStamp(db, id, Number(summary.span_count), maxSagaSpans), cfg) : null;
  // A new DTM answer (or none) is a new input of the model: a cached view is rebuilt with it.
  const stamp = baseStamp === null ? null : `${baseStamp}|dtm:${coordinator?.kind ?? 'off'}:${dtm.input?.fetchedMs ?? (coordinator?.kind === 'unavailable' ? coordinator.json.error : '')}`;
  let view = stamp ? cachedView(id, stamp, cfg.nowMs) : null;
  if (!view) {
    // The same cut as on ingest (lib/saga/model-store.ts), so the page and the summary describe the same spans.
    const modelled = await loadSagaModel(db, id, cfg, maxSagaSpans, dtm.input);
    if (!modelled) return null;
    const { saga, spans, storedSpans, capped } = modelled;
    const coordinatorJson = !coordinator || coordinator.kind === 'none' ? null : withCallsSeen(coordinator.json, saga.steps, saga.coordinatorDivergences ?? []);
    view = buildSagaView(saga, spans, cfg, capped ? { modelled: spans.length, stored: storedSpans } : null, coordinatorJson, dtm.facts);
    if (stamp) rememberView(id, stamp, cfg.nowMs, saga.next?.atMs ?? null, view);
  }
  // Its business keys grow as spans arrive: never cached either (lib/search/saga-keys.ts reads them from its spans).
  const [audit, keys] = await Promise.all([auditForSaga(db, id), keysOfSagaSpans(db, id, keyAttributes, maxSagaSpans)]);
  return { view, audit, keys };
}

export async function getTrace(db: Db, traceId: string): Promise<TraceJson | null> {
  const rows = await db.prisma.span.findMany({
    where: { traceId },
    orderBy: [{ startTime: 'asc' }, { spanId: 'asc' }],
  });
  if (rows.length === 0) return null;
  return { traceId, spans: await withResources(db, rows) };
}

/** One span with its attributes (the UI's attribute panel), without loading its whole trace. */
export async function getSpan(db: Db, traceId: string, spanId: string): Promise<SpanJson | null> {
  // (trace_id, span_id) is the key's prefix: one row, unless a sender gave one span
  // id two different own saga ids (two keys, ADR 0013); then the first stored.
  const row = await db.prisma.span.findFirst({ where: { traceId, spanId }, orderBy: { receivedAt: 'asc' } });
  return row ? (await withResources(db, [row]))[0]! : null;
}

type SpanRow = Awaited<ReturnType<Db['prisma']['span']['findMany']>>[number];

/** Spans store a resource id; the API shows the resource attributes themselves. */
async function withResources(db: Db, rows: readonly SpanRow[]): Promise<SpanJson[]> {
  const ids = [...new Set(rows.map((r) => r.resourceId))];
  const resources = await db.prisma.resource.findMany({ where: { id: { in: ids } } });
  const byId = new Map(resources.map((r) => [r.id, r.attributes as Record<string, unknown>]));
  return rows.map((r) => spanRowToJson(r, byId.get(r.resourceId) ?? {}));
}

function spanRowToJson(r: SpanRow, resource: Record<string, unknown>): SpanJson {
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    parentSpanId: r.parentSpanId,
    sagaId: r.sagaId,
    service: r.service,
    name: r.name,
    kind: r.kind,
    startedAt: r.startTime.toISOString(),
    endedAt: r.endTime.toISOString(),
    durationMs: r.durationMs,
    statusCode: r.statusCode,
    statusMessage: r.statusMessage,
    attributes: r.attributes as Record<string, unknown>,
    resource,
    events: (r.events as unknown[] | null) ?? null,
  };
}
