import type { Anomaly, SagaSpan } from './types';
import type { StepGroup } from './steps';
import type { Execution } from './executions';
import { listOf, quoted } from './format';

/**
 * orphan_step (DESIGN.md §3): a saga whose coordinator emits spans has a
 * participant op that no coordinator call covers. Nothing is an orphan where no
 * coordinator reports at all: a choreographed saga has none, and DTM (zero-code
 * sagas) emits no spans.
 *
 * A participant's run of a (step, op) is covered when
 *   - a span above it in its trace has role coordinator (the call reached it
 *     through the coordinator's trace context), or
 *   - the coordinator records its calls of that op (coordinator-role step spans
 *     with that op, for any step): it recorded one of this (step, op), in
 *     whatever trace;
 *   - otherwise (the coordinator only reports the saga's span, or records no
 *     call of that op): the run started while a coordinator root span was open
 *     (± ROOT_WINDOW_SLACK_MS of clock difference between hosts).
 * One anomaly per saga, listing the uncovered runs as evidence.
 */
export const ROOT_WINDOW_SLACK_MS = 1_000;

export function orphanSteps(
  groups: readonly StepGroup[],
  spans: readonly SagaSpan[],
  parentIndex: Int32Array,
  hasCoordinatorSpan: boolean,
): Anomaly[] {
  if (!hasCoordinatorSpan) return [];
  // The ops the coordinator records its calls of.
  const recorded = new Set<string>();
  for (const g of groups) for (const h of g.histories) for (const r of h.runs) if (r.cls === 'coordinator') recorded.add(h.op);

  // Candidates first (cheap tests), then the walk up their traces (rarely needed).
  let windows: Array<{ startMs: number; endMs: number }> | null = null;
  let positions: Map<SagaSpan, number> | null = null;
  const orphans: Array<{ g: StepGroup; run: Execution; recordsCalls: boolean }> = [];
  for (const g of groups) {
    for (const h of g.histories) {
      const recordsCalls = recorded.has(h.op);
      if (recordsCalls && h.runs.some((r) => r.cls === 'coordinator')) continue;
      for (const run of h.runs) {
        if (run.cls !== 'participant') continue;
        if (!recordsCalls) {
          windows ??= rootWindows(spans, parentIndex);
          const t = run.root.startMs;
          if (windows.some((w) => t >= w.startMs - ROOT_WINDOW_SLACK_MS && t <= w.endMs + ROOT_WINDOW_SLACK_MS)) continue;
        }
        if (positions === null) {
          positions = new Map();
          for (let i = 0; i < spans.length; i++) positions.set(spans[i], i);
        }
        if (!underCoordinatorSpan(spans, parentIndex, positions.get(run.root) ?? -1)) orphans.push({ g, run, recordsCalls });
      }
    }
  }
  if (orphans.length === 0) return [];
  const names = [...new Set(orphans.map((o) => quoted(`${o.g.name} (${o.run.op})`)))];
  const services = [...new Set(orphans.map((o) => o.run.root.service))].sort();
  return [
    {
      kind: 'orphan_step',
      severity: 'warning',
      step: null,
      message:
        `${listOf(names)} ran on ${listOf(services)} but the coordinator, which reports spans, has no call of ` +
        (orphans.length === 1 ? 'it' : 'them') +
        (orphans.every((o) => o.recordsCalls) ? '' : ' (nor was its saga span open then)') +
        ': a participant acted on its own, or the coordinator lost spans.',
      spanIds: orphans.map((o) => o.run.root.spanId),
    },
  ];
}

/** A span with role coordinator above position `i` in its trace (cyclic parent links end the walk). */
function underCoordinatorSpan(spans: readonly SagaSpan[], parentIndex: Int32Array, i: number): boolean {
  let cur = i < 0 ? -1 : parentIndex[i];
  for (let steps = 0; cur >= 0 && steps < spans.length; steps++) {
    if (spans[cur].role === 'coordinator') return true;
    cur = parentIndex[cur];
  }
  return false;
}

/** Time windows of the coordinator's saga spans (role coordinator, no op, no coordinator parent); open ones last for ever. */
function rootWindows(spans: readonly SagaSpan[], parentIndex: Int32Array): Array<{ startMs: number; endMs: number }> {
  const out: Array<{ startMs: number; endMs: number }> = [];
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s.role !== 'coordinator' || s.op !== null) continue;
    const parent = parentIndex[i];
    if (parent >= 0 && spans[parent].role === 'coordinator') continue;
    out.push({ startMs: s.startMs, endMs: s.endMs > 0 ? s.endMs : Infinity });
  }
  return out;
}
