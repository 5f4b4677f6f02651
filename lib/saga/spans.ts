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

/** When a span reached the collector; spans that never ended count from their start. */
export function activityMs(s: SagaSpan): number {
  return s.receivedMs ?? Math.max(s.endMs, s.startMs);
}

export interface CanonicalSpans {
  /** Deduplicated, in compareSpans order (a new array). */
  spans: SagaSpan[];
  /**
   * Position in `spans` of each span's parent, -1 when it has none or the parent
   * is not part of the saga. Positions instead of maps keyed by id strings: the
   * model walks parent links for every step span, and on sagas of tens of
   * thousands of spans building those strings dominated the run time.
   */
  parentIndex: Int32Array;
}

/**
 * Deduplicated by (traceId, spanId) and sorted by compareSpans.
 * Re-sent spans are normally identical; when two copies differ (a re-send with a
 * later receivedMs, a buggy exporter) the earliest received one wins, as it is the
 * one storage kept, and remaining ties are broken by content so that the pick
 * does not depend on which copy came first.
 */
export function canonicalize(input: readonly SagaSpan[]): CanonicalSpans {
  if (input.length <= SMALL_SAGA) {
    const small = canonicalizeSmall(input);
    if (small !== null) return small;
  }
  const unique: SagaSpan[] = [];
  const slotOf = new Map<string, Map<string, number>>(); // traceId → spanId → slot in unique
  for (const s of input) {
    let inTrace = slotOf.get(s.traceId);
    if (inTrace === undefined) slotOf.set(s.traceId, (inTrace = new Map()));
    const slot = inTrace.get(s.spanId);
    if (slot === undefined) {
      inTrace.set(s.spanId, unique.length);
      unique.push(s);
    } else if (unique[slot] !== s && preferCopy(s, unique[slot])) {
      unique[slot] = s;
    }
  }
  const order = unique.map((_, i) => i).sort((a, b) => compareSpans(unique[a], unique[b]));
  const positionOfSlot = new Int32Array(unique.length);
  order.forEach((slot, position) => (positionOfSlot[slot] = position));
  const spans = order.map((slot) => unique[slot]);
  const parentIndex = new Int32Array(spans.length).fill(-1);
  spans.forEach((s, i) => {
    if (s.parentSpanId === null) return;
    const slot = slotOf.get(s.traceId)?.get(s.parentSpanId);
    if (slot !== undefined) parentIndex[i] = positionOfSlot[slot];
  });
  return { spans, parentIndex };
}

/** Up to this many spans, linear searches and an insertion sort beat Maps and a sort of positions. */
const SMALL_SAGA = 32;

/**
 * canonicalize for a small saga (most of them; ingest models every saga a batch
 * touches), without Maps or closures. The same result: the first copy of each
 * span unless preferCopy picks a later one, sorted by compareSpans, parents
 * found by (traceId, spanId). Null when a start time is NaN: compareSpans is
 * no order then, and the general path's sort decides.
 */
function canonicalizeSmall(input: readonly SagaSpan[]): CanonicalSpans | null {
  const spans: SagaSpan[] = [];
  for (const s of input) {
    if (s.startMs !== s.startMs) return null;
    let slot = -1;
    for (let j = 0; j < spans.length; j++) {
      const u = spans[j]!;
      if (u.spanId === s.spanId && u.traceId === s.traceId) {
        slot = j;
        break;
      }
    }
    if (slot < 0) spans.push(s);
    else if (spans[slot] !== s && preferCopy(s, spans[slot]!)) spans[slot] = s;
  }
  // Insertion sort: spans mostly arrive in start order already.
  for (let i = 1; i < spans.length; i++) {
    const s = spans[i]!;
    let j = i - 1;
    while (j >= 0 && compareSpans(spans[j]!, s) > 0) {
      spans[j + 1] = spans[j]!;
      j--;
    }
    spans[j + 1] = s;
  }
  const parentIndex = new Int32Array(spans.length).fill(-1);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.parentSpanId === null) continue;
    for (let j = 0; j < spans.length; j++) {
      const p = spans[j]!;
      if (p.spanId === s.parentSpanId && p.traceId === s.traceId) {
        parentIndex[i] = j;
        break;
      }
    }
  }
  return { spans, parentIndex };
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
