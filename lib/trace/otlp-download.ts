/**
 * The trace download: a stored trace as one OTLP/JSON ExportTraceServiceRequest
 * file. POSTing the file to any OTLP/HTTP endpoint (`/v1/traces`, Content-Type
 * application/json) re-ingests the same spans, sagascope's own collector
 * included; Jaeger and Tempo read the same format.
 */
import type { Db } from '../db/connection';
import { getTraceFlatSpans } from './otlp-store';
import { encodeJsonRequest } from '../otlp/encode-json';

/** File name of a trace's download (trace ids are 32 hex characters: nothing to escape). */
export function otlpFilename(traceId: string): string {
  return `trace-${traceId}.otlp.json`;
}

/** The download response, or null when no span of the trace is stored. */
export async function traceOtlpResponse(db: Db, traceId: string): Promise<Response | null> {
  const spans = await getTraceFlatSpans(db, traceId);
  if (!spans) return null;
  return new Response(JSON.stringify(encodeJsonRequest(spans)), {
    headers: {
      'Content-Type': 'application/json',
      'Content-Disposition': `attachment; filename="${otlpFilename(traceId)}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
