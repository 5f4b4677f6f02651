/**
 * A stored trace as the spans the collector decoded (FlatSpan), for the OTLP/JSON
 * download (lib/otlp/encode-json.ts).
 *
 * Read with SQL rather than Prisma: Prisma hands timestamps back as JS Dates,
 * which drop the stored microseconds, and a re-ingested download must carry the
 * same times as the original. Epoch microseconds come out as exact integers.
 */
import type { Db } from '../db/connection';
import type { Attributes, AttrValue, FlatSpan, SpanEvent } from '../otlp/types';

interface OtlpSpanRow {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  start_us: string;
  end_us: string;
  status_code: number;
  status_message: string | null;
  scope: string | null;
  attributes: Record<string, AttrValue>;
  events: SpanEvent[] | null;
  resource_id: string;
  resource: Record<string, AttrValue> | null;
}

/** Spans of a trace in start order, sharing one resource object per stored resource; null when none are stored. */
export async function getTraceFlatSpans(db: Db, traceId: string): Promise<FlatSpan[] | null> {
  const rows = await db.query<OtlpSpanRow>(
    `SELECT s.span_id, s.parent_span_id, s.name, s.kind,
            (extract(epoch FROM s.start_time) * 1000000)::bigint::text AS start_us,
            (extract(epoch FROM s.end_time) * 1000000)::bigint::text AS end_us,
            s.status_code, s.status_message, s.scope, s.attributes, s.events, s.resource_id,
            r.attributes AS resource
       FROM spans s LEFT JOIN resources r ON r.id = s.resource_id
      WHERE s.trace_id = $1
      ORDER BY s.start_time, s.span_id`,
    [traceId],
  );
  if (rows.length === 0) return null;
  const resources = new Map<string, Attributes>();
  return rows.map((r) => {
    let resource = resources.get(r.resource_id);
    if (!resource) resources.set(r.resource_id, (resource = r.resource ?? {}));
    return {
      traceId,
      spanId: r.span_id,
      parentSpanId: r.parent_span_id,
      name: r.name,
      kind: r.kind,
      startMs: Number(r.start_us) / 1000,
      endMs: Number(r.end_us) / 1000,
      statusCode: r.status_code,
      statusMessage: r.status_message,
      attributes: r.attributes,
      resource,
      scope: r.scope,
      events: r.events,
    };
  });
}
