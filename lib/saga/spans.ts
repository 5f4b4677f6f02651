import type { SagaSpan } from './types';

/**
 * The total order every computation of the model walks spans in. Arrival order
 * must never leak into the result, so ties on start time are broken by ids, which
 * are unique once spans are deduplicated by (traceId, spanId). Plain code-unit
 * comparison, not localeCompare: the order must not depend on the host's locale.
 */
export function compareSpans(a: SagaSpan, b: SagaSpan): number {
  if (a.startMs !== b.startMs) return a.startMs < b.startMs ? -1 : 1;
  if (a.spanId !== b.spanId) return a.spanId < b.spanId ? -1 : 1;
  if (a.traceId !== b.traceId) return a.traceId < b.traceId ? -1 : 1;
  return 0;
}

export function spanKey(traceId: string, spanId: string): string {
  return `${traceId}/${spanId}`;
}

/** When a span reached the collector; spans that never ended count from their start. */
export function activityMs(s: SagaSpan): number {
  return s.receivedMs ?? Math.max(s.endMs, s.startMs);
}

/**
 * Deduplicated by (traceId, spanId) and sorted by compareSpans, as a new array.
 * Re-sent spans are normally identical; when two copies differ (a re-send with a
 * later receivedMs, a buggy exporter) the earliest received one wins, as it is the
 * one storage kept, and remaining ties are broken by content so that the pick
 * does not depend on which copy came first.
 */
export function canonicalSpans(input: readonly SagaSpan[]): SagaSpan[] {
  const byId = new Map<string, SagaSpan>();
  for (const s of input) {
    const k = spanKey(s.traceId, s.spanId);
    const seen = byId.get(k);
    if (seen === undefined || (seen !== s && preferCopy(s, seen))) byId.set(k, s);
  }
  return [...byId.values()].sort(compareSpans);
}

function preferCopy(candidate: SagaSpan, current: SagaSpan): boolean {
  const rc = candidate.receivedMs ?? Infinity;
  const rs = current.receivedMs ?? Infinity;
  if (rc !== rs) return rc < rs;
  return contentOf(candidate) < contentOf(current);
}

function contentOf(s: SagaSpan): string {
  const rec = s as unknown as Record<string, unknown>;
  return JSON.stringify(Object.keys(rec).sort().map((k) => [k, rec[k]]));
}
