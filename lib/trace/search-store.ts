/**
 * The server's half of the trace page's span search (lib/ui/span-search.ts):
 * spans of one trace with an attribute value, status message or event name that
 * contains a text. Attributes never go to the browser in bulk (a 50,000-span
 * trace's attributes are tens of MB), so this part of the search runs here,
 * inside the one trace (primary-key prefix), never across traces.
 */
import type { Db } from '../db/connection';
import { likeContains } from '../ui/span-search';

/** At most this many span ids per answer (the count then says "at least"). */
export const TRACE_SEARCH_LIMIT = 10_000;

export interface TraceSearchResult {
  spanIds: string[];
  /** More spans matched than were returned. */
  truncated: boolean;
}

export async function searchTraceAttributes(db: Db, traceId: string, text: string): Promise<TraceSearchResult> {
  const rows = await db.query<{ span_id: string }>(
    `SELECT s.span_id FROM spans s
      WHERE s.trace_id = $1
        AND (s.status_message ILIKE $2
          OR EXISTS (SELECT 1 FROM jsonb_each_text(s.attributes) a WHERE a.value ILIKE $2)
          OR (jsonb_typeof(s.events) = 'array'
              AND EXISTS (SELECT 1 FROM jsonb_array_elements(s.events) e WHERE e->>'name' ILIKE $2)))
      ORDER BY s.span_id
      LIMIT $3`,
    [traceId, likeContains(text), TRACE_SEARCH_LIMIT + 1],
  );
  const truncated = rows.length > TRACE_SEARCH_LIMIT;
  return { spanIds: rows.slice(0, TRACE_SEARCH_LIMIT).map((r) => r.span_id), truncated };
}
