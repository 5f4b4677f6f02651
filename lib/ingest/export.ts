/**
 * The export core every transport calls: authorise, decode, normalise, hand to
 * the pipeline, and answer with the partial-success count once committed.
 * Transports only move bytes and map ExportError kinds through ERROR_TABLE.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { ExportError } from './errors';
import { decodeRequestRows, type Encoding, type RequestLimits } from './decode-rows';
import { rejectionMessage } from '../otlp/response';
import type { IngestPipeline } from './pipeline';
import type { IngestMetrics } from './metrics';
import { DEFAULT_SPAN_LIMITS } from './limits';

export type { Encoding } from './decode-rows';

export interface ExportDeps {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  /** Required bearer token, if the collector is configured with one. */
  token?: string;
  limits?: RequestLimits;
}

export interface ExportResult {
  rejectedSpans: number;
  errorMessage: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function authorize(authorization: string | undefined, token: string | undefined): void {
  if (!token) return;
  const presented = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  // Compare digests: equal length, constant time, no early exit on a prefix.
  if (!timingSafeEqual(digest(presented), digest(token))) {
    throw new ExportError('unauthenticated', 'missing or invalid bearer token');
  }
}

/** Refuses cheaply, before the body is read or decoded, while the queue is full. */
export function admit(deps: ExportDeps): void {
  if (deps.pipeline.full) throw new ExportError('saturated', 'collector is saturated, retry later');
}

export async function exportTraces(body: Uint8Array, encoding: Encoding, deps: ExportDeps): Promise<ExportResult> {
  admit(deps);
  const limits = deps.limits ?? { ...DEFAULT_SPAN_LIMITS, maxSpansPerRequest: Infinity };
  const decoded = decodeRequestRows(body, encoding, limits);
  deps.metrics.spansReceived += decoded.received;
  deps.metrics.spansRejected += decoded.rejected;
  deps.metrics.spansTruncated += decoded.truncated;
  await deps.pipeline.submit(decoded.rows);
  return {
    rejectedSpans: decoded.rejected,
    errorMessage: rejectionMessage(decoded.rejected, decoded.rejectReasons),
  };
}
