import type { Anomaly, Step } from './types';
import type { StepGroup } from './steps';
import { quoted } from './format';

/**
 * compensation_out_of_order (DESIGN.md §3, protocol `saga`): compensations undo
 * succeeded forward steps in reverse order of their forward execution *where
 * that execution was sequential*. Step B ran after step A when B's forward op
 * started once A's had ended (and after A's start); then B's compensation must
 * start strictly before A's. Steps whose forward ops overlapped ran
 * concurrently (DTM's concurrent saga) and may be compensated in any order, also
 * in parallel. Step indexes play no part: a concurrent saga's branches have
 * distinct indexes and no order, and the timing is what says which step's
 * effects another step's could depend on.
 *
 * Only the saga's own run is judged: manual entries (an operator's repair,
 * minutes later by design) neither are flagged nor flag others. Failed
 * compensation attempts do not count (the earliest successful one does), nor do
 * forward attempts that started after the step's compensation (hanging actions,
 * reported on their own).
 *
 * One anomaly per step compensated too early, naming the later step whose
 * compensation started last. O(k log k) in the number of compensated steps.
 */
export function outOfOrderCompensations(groups: readonly StepGroup[]): Anomaly[] {
  const items: Item[] = [];
  for (const g of groups) {
    const item = itemOf(g);
    if (item !== null) items.push(item);
  }
  if (items.length < 2) return [];
  // By forward start; ties by compensation, so that equal inputs give equal picks.
  items.sort((a, b) => a.forwardStart - b.forwardStart || compareSteps(a.comp, b.comp));
  const starts = items.map((it) => it.forwardStart);
  // latestFrom[i]: the item among items[i..] whose compensation started last.
  const latestFrom: Item[] = new Array(items.length);
  for (let i = items.length - 1; i >= 0; i--) {
    const next = latestFrom[i + 1];
    latestFrom[i] = next !== undefined && compareSteps(next.comp, items[i].comp) > 0 ? next : items[i];
  }
  const out: Anomaly[] = [];
  for (const a of items) {
    // Steps that started once `a` had ended (and strictly after `a` started).
    const from = a.forwardEnd > a.forwardStart ? lowerBound(starts, a.forwardEnd, false) : lowerBound(starts, a.forwardStart, true);
    if (from >= items.length) continue;
    const b = latestFrom[from];
    if (b.comp.startMs < a.comp.startMs) continue;
    out.push({
      kind: 'compensation_out_of_order',
      severity: 'warning',
      step: a.g.name,
      message:
        `Step ${quoted(a.g.name)} (#${a.g.index}, ${a.comp.service}) was compensated before step ` +
        `${quoted(b.g.name)} (#${b.g.index}, ${b.comp.service}), whose ${b.op} ran after its own had ended; ` +
        `compensations of sequential steps should run in reverse order.`,
      spanIds: [a.comp.spanId, b.comp.spanId],
    });
  }
  return out;
}

interface Item {
  g: StepGroup;
  op: string;
  forwardStart: number;
  /** Infinity while a forward attempt had not ended: it overlaps whatever came later. */
  forwardEnd: number;
  /** The earliest successful compensation entry. */
  comp: Step;
}

function itemOf(g: StepGroup): Item | null {
  let comp: Step | null = null;
  let firstComp = Infinity;
  for (const h of g.compensations) {
    for (const e of h.entries) {
      if (e.manual) continue;
      if (e.startMs < firstComp) firstComp = e.startMs;
      if (e.result === 'success' && (comp === null || compareSteps(e, comp) < 0)) comp = e;
    }
  }
  if (comp === null || g.firstPhase === null) return null;
  let forwardStart = Infinity;
  let forwardEnd = -Infinity;
  for (const e of g.firstPhase.entries) {
    if (e.manual || e.startMs > firstComp) continue;
    if (e.startMs < forwardStart) forwardStart = e.startMs;
    const end = e.endMs > 0 ? e.endMs : Infinity;
    if (end > forwardEnd) forwardEnd = end;
  }
  if (forwardStart === Infinity) return null;
  return { g, op: g.firstPhase.op, forwardStart, forwardEnd: Math.max(forwardEnd, forwardStart), comp };
}

/** First position whose value is >= x (strict: > x) in ascending `values`. */
function lowerBound(values: readonly number[], x: number, strict: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x || (strict && values[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compareSteps(a: Step, b: Step): number {
  if (a.startMs !== b.startMs) return a.startMs < b.startMs ? -1 : 1;
  if (a.spanId !== b.spanId) return a.spanId < b.spanId ? -1 : 1;
  return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
}
