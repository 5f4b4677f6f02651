/**
 * The export core every transport calls: authorise, decode, normalise, hand to
 * the pipeline, and answer with the partial-success count once committed.
 * Transports only move bytes and map ExportError kinds through ERROR_TABLE.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { decodeProtobufRequest } from '../otlp/decode-protobuf';
import { decodeJsonRequest } from '../otlp/decode-json';
import { DecodeError, type DecodedRequest } from '../otlp/types';
import { toSpanRows } from './span-row';
import { ExportError } from './errors';
import { rejectionMessage } from '../otlp/response';
import type { IngestPipeline } from './pipeline';
import type { IngestMetrics } from './metrics';
import { DEFAULT_SPAN_LIMITS, type SpanLimits } from './limits';

export type Encoding = 'protobuf' | 'json';

export interface ExportDeps {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  /** Required bearer token, if the collector is configured with one. */
  token?: string;
  limits?: SpanLimits & { maxSpansPerRequest: number };
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

function decode(body: Uint8Array, encoding: Encoding): DecodedRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body);
  } catch (err) {
    if (err instanceof DecodeError) throw new ExportError('invalid_argument', `cannot decode request: ${err.message}`);
    throw err;
  }
}

/** Refuses cheaply, before the body is read or decoded, while the queue is full. */
export function admit(deps: ExportDeps): void {
  if (deps.pipeline.full) throw new ExportError('saturated', 'collector is saturated, retry later');
}

export async function exportTraces(body: Uint8Array, encoding: Encoding, deps: ExportDeps): Promise<ExportResult> {
  admit(deps);
  const decoded = decode(body, encoding);
  const count = decoded.spans.length + decoded.rejected;
  const limits = deps.limits ?? { ...DEFAULT_SPAN_LIMITS, maxSpansPerRequest: Infinity };
  if (count > limits.maxSpansPerRequest) {
    throw new ExportError('too_large', `${count} spans in one request; at most ${limits.maxSpansPerRequest} (send smaller batches)`);
  }
  deps.metrics.spansReceived += count;
  deps.metrics.spansRejected += decoded.rejected;
  const tally = { truncated: 0 };
  const rows = toSpanRows(decoded.spans, limits, tally);
  deps.metrics.spansTruncated += tally.truncated;
  await deps.pipeline.submit(rows);
  return {
    rejectedSpans: decoded.rejected,
    errorMessage: rejectionMessage(decoded.rejected, decoded.rejectReasons),
  };
}
