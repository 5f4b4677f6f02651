/**
 * Clock skew between services. Each service stamps its spans with its own
 * clock; a participant whose clock runs behind the orchestrator's shows its
 * server span starting before the client span that caused it, and orderings
 * across services (compensation order, an action after its compensation) turn
 * into false anomalies. Like Jaeger's clock-skew adjuster, a child span in
 * another service that starts before its parent is moved, with everything under
 * it, to the middle of the parent (or to its start when the child is the longer
 * one); the correction is reported, never hidden.
 *
 * Only a child starting before its parent is taken as skew: that cannot happen
 * on one clock. A child that starts inside its parent and ends after it, or
 * starts after it ended, is real (a caller that timed out, a held-up request,
 * asynchronous work) and is exactly what hanging_action must see, so a clock
 * running ahead is not corrected.
 *
 * Input: spans deduplicated and sorted, with parent positions (spans.ts). Output:
 * new span objects for the moved ones (inputs are never mutated) and one
 * correction per (caller service, callee service). Spans of one service are
 * assumed to share a clock; spans without a parent in the saga are not moved.
 */
import type { ClockSkew, SagaSpan } from './types';

/** Sub-millisecond disagreements are timestamp rounding, not skew. */
export const SKEW_TOLERANCE_MS = 1;

function ownSkew(child: SagaSpan, parent: SagaSpan, shift: number): number {
  const cs = child.startMs + shift;
  const ps = parent.startMs;
  if (cs >= ps - SKEW_TOLERANCE_MS) return 0;
  if (child.endMs <= 0 || parent.endMs <= 0) return ps - cs;
  const childDur = child.endMs - child.startMs;
  const parentDur = parent.endMs - parent.startMs;
  return childDur <= parentDur ? ps + (parentDur - childDur) / 2 - cs : ps - cs;
}

export function correctClockSkew(spans: readonly SagaSpan[], parentIndex: Int32Array): { spans: SagaSpan[]; corrections: ClockSkew[] } {
  // Shifts only start at a child that does not fit its parent as recorded; when
  // none does (nearly always) nothing moves, and nothing needs allocating.
  if (!anyOwnSkew(spans, parentIndex)) return { spans: spans as SagaSpan[], corrections: [] };
  const n = spans.length;
  const shift = new Float64Array(n);
  const state = new Uint8Array(n); // 0 unknown, 1 on the current path (cycle guard), 2 done
  const corrections = new Map<string, ClockSkew>();
  const path: number[] = [];
  for (let i = 0; i < n; i++) {
    // Walk up to a span whose shift is known, then settle the path top-down.
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      path.push(j);
      j = parentIndex[j]!;
    }
    while (path.length > 0) {
      const k = path.pop()!;
      const p = parentIndex[k]!;
      // A parent still on the path means a cycle of parent links: treat k as a root.
      if (p < 0 || state[p] !== 2) {
        state[k] = 2;
        continue;
      }
      const child = spans[k]!;
      const parent = spans[p]!;
      let s = shift[p]!;
      if (child.service !== parent.service) {
        const own = ownSkew(child, parent, s);
        if (own !== 0) {
          s += own;
          const key = JSON.stringify([parent.service, child.service]);
          const c = corrections.get(key) ?? { service: child.service, relativeTo: parent.service, correctionMs: 0, spans: 0 };
          if (Math.abs(own) > Math.abs(c.correctionMs)) c.correctionMs = own;
          c.spans += 1;
          corrections.set(key, c);
        }
      }
      shift[k] = s;
      state[k] = 2;
    }
  }
  if (corrections.size === 0) return { spans: spans as SagaSpan[], corrections: [] };
  const moved = spans.map((s, i) => {
    const d = shift[i]!;
    if (d === 0) return s;
    return { ...s, startMs: s.startMs + d, endMs: s.endMs > 0 ? s.endMs + d : s.endMs };
  });
  const list = [...corrections.values()].sort((a, b) =>
    a.service !== b.service ? (a.service < b.service ? -1 : 1) : a.relativeTo < b.relativeTo ? -1 : a.relativeTo > b.relativeTo ? 1 : 0);
  return { spans: moved, corrections: list };
}

/**
 * Whether any child in another service than its parent has a skew of its own
 * at its recorded time. If none has, every shift stays 0: a shift is the sum of
 * the own skews along the path from the root.
 */
function anyOwnSkew(spans: readonly SagaSpan[], parentIndex: Int32Array): boolean {
  for (let i = 0; i < spans.length; i++) {
    const p = parentIndex[i]!;
    if (p < 0) continue;
    const child = spans[i]!;
    const parent = spans[p]!;
    if (child.service !== parent.service && ownSkew(child, parent, 0) !== 0) return true;
  }
  return false;
}
