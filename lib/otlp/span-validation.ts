/**
 * Per-span checks shared by both decoders. An invalid span is dropped and
 * reported through partial_success; the rest of the batch is kept.
 */
import { ZERO_SPAN_ID, ZERO_TRACE_ID } from './wire-conversions';

export const MAX_REJECT_REASONS = 5;

/**
 * The latest span time that can be stored: times travel to PostgreSQL as ISO
 * text (lib/db/pg-text.ts timestampText), and Date#toISOString switches to a
 * six-digit signed year (+010000-…) after 9999, which PostgreSQL misreads as a
 * time zone displacement (22009) and refuses the whole transaction. OTLP's
 * uint64 nanoseconds end in 2554, so only a decoder bug or a hand-made FlatSpan
 * gets here; the check keeps such a span from costing its batch.
 */
export const MAX_SPAN_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Ids are lowercase hex of whatever length was on the wire (2 chars per byte);
 * an empty parent means "root". Returns why the span is unusable, or null.
 */
export function spanProblem(
  traceId: string,
  spanId: string,
  parentSpanId: string,
  startMs: number,
  endMs: number,
): string | null {
  if (traceId.length !== 32) return `trace id must be 16 bytes (got ${traceId.length / 2})`;
  if (traceId === ZERO_TRACE_ID) return 'trace id is all zero';
  if (spanId.length !== 16) return `span id must be 8 bytes (got ${spanId.length / 2})`;
  if (spanId === ZERO_SPAN_ID) return 'span id is all zero';
  if (parentSpanId.length !== 0 && parentSpanId.length !== 16) {
    return `parent span id must be empty or 8 bytes (got ${parentSpanId.length / 2})`;
  }
  if (startMs === 0) return 'start time is 0';
  if (endMs < startMs) return 'end time is before start time';
  // Written so that NaN fails too.
  if (!(startMs > 0 && endMs <= MAX_SPAN_TIME_MS)) return 'time is outside what can be stored (1970 to 9999)';
  return null;
}

/** Collects rejections; only the first few reasons are kept, the error message has to stay short. */
export class RejectionLog {
  rejected = 0;
  readonly reasons: string[] = [];

  add(spanIndex: number, reason: string): void {
    this.rejected++;
    if (this.reasons.length < MAX_REJECT_REASONS) this.reasons.push(`span ${spanIndex}: ${reason}`);
  }
}
