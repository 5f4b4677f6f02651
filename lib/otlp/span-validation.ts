/**
 * Per-span checks shared by both decoders. An invalid span is dropped and
 * reported through partial_success; the rest of the batch is kept.
 */
import { ZERO_SPAN_ID, ZERO_TRACE_ID } from './wire-conversions';

export const MAX_REJECT_REASONS = 5;

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
