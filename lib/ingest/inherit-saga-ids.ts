/**
 * In-batch saga-id inheritance: a span without saga.id belongs to the saga of its
 * nearest ancestor in the same trace. Children usually end (and are exported)
 * before their parent, so most resolutions happen inside one batch; the rest is
 * resolved against stored spans in the database (lib/ingest/span-writer.ts).
 * Returns a new array; rows that gain a saga id are copied, inputs are untouched.
 * Copies are marked `inheritedSaga`: their distribution key stays their trace's
 * (lib/ingest/span-row.ts shardKeyOf), so it does not depend on whether a re-send
 * comes with its ancestors or alone.
 */
import type { SpanRow } from './span-row';

const MAX_DEPTH = 64;

export function inheritSagaIds(rows: readonly SpanRow[]): SpanRow[] {
  let hasOrphan = false;
  for (const r of rows) if (r.sagaId === null && r.parentSpanId !== null) { hasOrphan = true; break; }
  if (!hasOrphan) return rows as SpanRow[];

  const byId = new Map<string, SpanRow>();
  for (const r of rows) byId.set(r.traceId + r.spanId, r);
  const resolved = new Map<string, string | null>();

  const sagaOf = (row: SpanRow): string | null => {
    let cur: SpanRow | undefined = row;
    const path: string[] = [];
    let found: string | null = null;
    for (let depth = 0; cur && depth < MAX_DEPTH; depth++) {
      if (cur.sagaId !== null) { found = cur.sagaId; break; }
      const key = cur.traceId + cur.spanId;
      const known = resolved.get(key);
      if (known !== undefined) { found = known; break; }
      path.push(key);
      cur = cur.parentSpanId === null ? undefined : byId.get(cur.traceId + cur.parentSpanId);
    }
    for (const key of path) resolved.set(key, found);
    return found;
  };

  return rows.map((r) => {
    if (r.sagaId !== null || r.parentSpanId === null) return r;
    const sagaId = sagaOf(r);
    return sagaId === null ? r : { ...r, sagaId, inheritedSaga: true as const };
  });
}
