/**
 * Read side of the data-access module: what the API routes and the pages show.
 * Lists come from the saga summaries maintained on ingest; a saga's detail is
 * derived from its spans with the same model the collector uses.
 */
import type { Db } from './connection';
import type { Prisma } from './generated/client.ts';
import type { SagaListQuery } from '../api/query';
import { decodeCursor, encodeCursor } from '../api/query';
import type { SagaList, TraceJson, SpanJson, AuditEntry } from '../api/types';
import type { ModelConfig } from '../saga/types';
import { loadSagaModel } from '../saga/model-store';
import { sagaRowToSummaryJson } from './to-json';
import { auditForSaga } from '../audit/store';
import { cachedView, viewStamp, rememberView } from '../saga-view/cache';
import { buildSagaView, type SagaView } from '../saga-view/view';

/**
 * The summary stores the status at ingest time plus one pending transition
 * (status_after at status_changes_at). "Effective status = X at `now`" is:
 * (status = X and the transition is not due) or (status_after = X and it is due).
 */
function effectiveStatusIs(status: string, now: Date): Prisma.SagaWhereInput {
  return {
    OR: [
      { status, OR: [{ statusChangesAt: null }, { statusChangesAt: { gt: now } }] },
      { statusAfter: status, statusChangesAt: { lte: now } },
    ],
  };
}

function effectiveAnomalyIs(kind: string, now: Date): Prisma.SagaWhereInput {
  return {
    OR: [
      { anomalies: { has: kind }, OR: [{ statusChangesAt: null }, { statusChangesAt: { gt: now } }] },
      { anomaliesAfter: { has: kind }, statusChangesAt: { lte: now } },
    ],
  };
}

export async function listSagas(db: Db, q: SagaListQuery, nowMs: number = Date.now()): Promise<SagaList> {
  const now = new Date(nowMs);
  const and: Prisma.SagaWhereInput[] = [];
  if (q.status) and.push(effectiveStatusIs(q.status, now));
  if (q.anomaly) and.push(effectiveAnomalyIs(q.anomaly, now));
  if (q.name) and.push({ name: q.name });
  if (q.service) and.push({ services: { has: q.service } });
  if (q.q) and.push({ OR: [{ id: q.q }, { traceIds: { has: q.q.toLowerCase() } }] });
  if (q.from) and.push({ startedAt: { gte: q.from } });
  if (q.to) and.push({ startedAt: { lte: q.to } });
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  type Row = Awaited<ReturnType<typeof db.prisma.saga.findMany>>[number];
  const position = (r: Row, before = false) => encodeCursor({ startedAtMs: r.startedAt.getTime(), id: r.id, before });
  const summaries = (rows: Row[]) => rows.map((r) => sagaRowToSummaryJson(r, nowMs));

  if (cursor?.before) {
    // Paging back: the rows just newer than the cursor, read oldest first, shown newest first.
    const at = new Date(cursor.startedAtMs);
    const newer = await db.prisma.saga.findMany({
      where: { AND: [...and, { OR: [{ startedAt: { gt: at } }, { startedAt: at, id: { gt: cursor.id } }] }] },
      orderBy: [{ startedAt: 'asc' }, { id: 'asc' }],
      take: q.limit + 1,
    });
    if (newer.length > q.limit) {
      const page = newer.slice(0, q.limit).reverse();
      return { items: summaries(page), nextCursor: position(page[page.length - 1]!), prevCursor: position(page[0]!, true) };
    }
    // Less than a page is newer: going back lands on the first page, shown full.
  }
  const after = cursor && !cursor.before ? cursor : null;
  if (after) {
    const at = new Date(after.startedAtMs);
    and.push({ OR: [{ startedAt: { lt: at } }, { startedAt: at, id: { lt: after.id } }] });
  }
  const rows = await db.prisma.saga.findMany({
    where: { AND: and },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
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
async function spansBehindStamp(db: Db, id: string, summarySpanCount: number, maxSagaSpans: number): Promise<number> {
  if (summarySpanCount < maxSagaSpans) return summarySpanCount;
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE saga_id = $1`, [id]);
  return n;
}

/** A saga's view (lib/saga-view/view.ts) and the audit entries that target it (manual actions, oldest first: never cached). */
export interface SagaDetailRead {
  view: SagaView;
  audit: AuditEntry[];
}

/** maxSagaSpans: SAGASCOPE_MAX_SAGA_SPANS (lib/db/index.ts sagaSpanLimit()), the cap ingest, topology and backfill use too. */
export async function getSagaDetail(db: Db, id: string, cfg: ModelConfig, maxSagaSpans: number): Promise<SagaDetailRead | null> {
  // Read before the spans: a span committed in between leaves an older stamp on
  // the entry, so the next read rebuilds rather than keeping a stale model.
  const [summary] = await db.query<{ updated_at: Date; span_count: number }>(`SELECT updated_at, span_count FROM sagas WHERE id = $1`, [id]);
  const stamp = summary ? viewStamp(new Date(summary.updated_at), await spansBehindStamp(db, id, Number(summary.span_count), maxSagaSpans), cfg) : null;
  let view = stamp ? cachedView(id, stamp, cfg.nowMs) : null;
  if (!view) {
    // The same cut as on ingest (lib/saga/model-store.ts), so the page and the summary describe the same spans.
    const modelled = await loadSagaModel(db, id, cfg, maxSagaSpans);
    if (!modelled) return null;
    const { saga, spans, storedSpans, capped } = modelled;
    view = buildSagaView(saga, spans, cfg, capped ? { modelled: spans.length, stored: storedSpans } : null);
    if (stamp) rememberView(id, stamp, cfg.nowMs, saga.next?.atMs ?? null, view);
  }
  return { view, audit: await auditForSaga(db, id) };
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
  const row = await db.prisma.span.findUnique({ where: { traceId_spanId: { traceId, spanId } } });
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
