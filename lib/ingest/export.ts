/**
 * The export core every transport calls: authorise, decode, normalise, hand to
 * the pipeline, and answer with the partial-success count once committed.
 * Transports only move bytes and map ExportError kinds through ERROR_TABLE.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { ExportError } from './errors';
import type { Encoding } from './decode-rows';
import type { ContentEncoding } from './inflate';
import type { RequestDecoder } from './decode-pool';
import { rejectionMessage } from '../otlp/response';
import type { IngestPipeline } from './pipeline';
import type { IngestMetrics } from './metrics';

export type { Encoding } from './decode-rows';

export interface ExportDeps {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  /** Unpacks and decodes request bodies within the decode budgets (lib/ingest/decode-pool.ts). */
  decoder: RequestDecoder;
  /** Required bearer token, if the collector is configured with one. */
  token?: string;
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

/** Refuses cheaply, before the body is read or decoded, while the queue or the decoders are full. */
export function admit(deps: ExportDeps): void {
  if (deps.pipeline.full || deps.decoder.full) throw new ExportError('saturated', 'collector is saturated, retry later');
}

export async function exportTraces(
  body: Uint8Array,
  encoding: Encoding,
  deps: ExportDeps,
  contentEncoding: ContentEncoding = 'identity',
): Promise<ExportResult> {
  admit(deps);
  let decoded;
  try {
    decoded = await deps.decoder.decode({ body, encoding, contentEncoding });
  } catch (err) {
    if (err instanceof ExportError && err.budget) deps.metrics.countBudgetExceeded(err.budget);
    throw err;
  }
  deps.metrics.spansReceived += decoded.received;
  deps.metrics.spansRejected += decoded.rejected;
  deps.metrics.spansTruncated += decoded.truncated;
  if (decoded.tooDeep > 0) deps.metrics.countBudgetExceeded('depth', decoded.tooDeep);
  await deps.pipeline.submit(decoded.rows);
  return {
    rejectedSpans: decoded.rejected,
    errorMessage: rejectionMessage(decoded.rejected, decoded.rejectReasons),
  };
}
