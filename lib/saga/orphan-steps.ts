import type { Anomaly, SagaSpan } from './types';
import type { StepGroup } from './steps';
import type { Execution } from './executions';
import { isStepSpan, roleClassOf } from './executions';
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
 *   - the coordinator recorded calls of its own (coordinator-role step spans):
 *     it recorded one of this (step, op), in whatever trace;
 *   - otherwise (the coordinator only reports the saga's span): the run started
 *     while a coordinator root span was open (± ROOT_WINDOW_SLACK_MS of clock
 *     difference between hosts).
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
  const uncovered = participantSpansOutsideCoordinatorTraces(spans, parentIndex);
  if (uncovered.size === 0) return [];

  let recordsCalls = false;
  for (const g of groups) for (const h of g.histories) if (h.runs.some((r) => r.cls === 'coordinator')) recordsCalls = true;
  const windows = recordsCalls ? [] : rootWindows(spans, parentIndex);

  const orphans: Array<{ g: StepGroup; run: Execution }> = [];
  for (const g of groups) {
    for (const h of g.histories) {
      if (recordsCalls && h.runs.some((r) => r.cls === 'coordinator')) continue;
      for (const run of h.runs) {
        if (run.cls !== 'participant' || !uncovered.has(run.root)) continue;
        if (!recordsCalls && windows.some((w) => run.root.startMs >= w.startMs - ROOT_WINDOW_SLACK_MS && run.root.startMs <= w.endMs + ROOT_WINDOW_SLACK_MS)) continue;
        orphans.push({ g, run });
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
        (recordsCalls ? '' : ' and its saga span was not open then') +
        ': a participant acted on its own, or the coordinator lost spans.',
      spanIds: orphans.map((o) => o.run.root.spanId),
    },
  ];
}

/** Participant-side step spans with no coordinator-role span above them in their trace. */
function participantSpansOutsideCoordinatorTraces(spans: readonly SagaSpan[], parentIndex: Int32Array): Set<SagaSpan> {
  // 0 unknown, 1 a coordinator span is at or above, 2 none is, 3 on the current walk (cyclic links end it).
  const state = new Uint8Array(spans.length);
  const walk: number[] = [];
  const covered = (start: number): boolean => {
    let cur = start;
    let found = 2;
    while (cur >= 0) {
      if (state[cur] === 1 || state[cur] === 2) {
        found = state[cur];
        break;
      }
      if (state[cur] === 3) break;
      if (spans[cur].role === 'coordinator') {
        found = 1;
        break;
      }
      state[cur] = 3;
      walk.push(cur);
      cur = parentIndex[cur];
    }
    for (const i of walk) state[i] = found;
    walk.length = 0;
    return found === 1;
  };
  const out = new Set<SagaSpan>();
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (!isStepSpan(s) || roleClassOf(s) !== 'participant') continue;
    const parent = parentIndex[i];
    if (parent < 0 || !covered(parent)) out.add(s);
  }
  return out;
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
