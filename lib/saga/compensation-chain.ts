/**
 * The compensation chain of a saga: every forward step paired with its
 * compensation, in step-index order, with the places where the saga is not (yet)
 * consistent marked as gaps. Pure, derived from the API's step list so the page
 * can compute it from exactly what it shows.
 *
 * Pairing key is (index, display name): the model gives an action and its
 * compensation the same display name and index (branch identity), while two
 * branches calling the same endpoint keep distinct indexes.
 */
import type { StepJson } from '../api/types';
import { FIRST_PHASE_OPS } from './ops';
import { COMPENSATION_OPS, type Op, type SagaStatus, type StepResult } from './types';

/** First-phase ops leave the effect a compensation must undo; confirm/submit/commit only finish it. */
const UNDOABLE_OPS: ReadonlySet<Op> = new Set<Op>(FIRST_PHASE_OPS);
const COMPENSATION: ReadonlySet<Op> = new Set<Op>(COMPENSATION_OPS);

export type PairStatus =
  /** Forward succeeded and a compensation succeeded. */
  | 'compensated'
  /** Forward succeeded; the saga does not need it undone (committed, running). */
  | 'not_needed'
  /** Forward succeeded; saga is compensating and this step's turn has not come (or is in progress). */
  | 'pending'
  /** Forward succeeded; the saga rolled back (or gave up) without compensating it. */
  | 'missing'
  /** Forward succeeded; every compensation attempt so far failed. */
  | 'compensation_failed'
  /** The forward op never succeeded: the failure that triggered compensation. */
  | 'forward_failed'
  | 'forward_running'
  /** A compensation ran for a step whose forward op never ran. */
  | 'null_compensation';

/** What the chain needs of a step entry; StepJson and the UI's timeline rows both map onto it. */
export interface ChainStep {
  step: string;
  index: number;
  op: Op;
  attempt: number;
  result: StepResult;
  spanId: string;
  startMs: number;
  endMs: number;
  /** An operator's repair (Step.manual); absent means no. */
  manual?: boolean;
}

export function chainStepFromJson(s: StepJson): ChainStep {
  return {
    step: s.step,
    index: s.index,
    op: s.op,
    attempt: s.attempt,
    result: s.result,
    spanId: s.spanId,
    startMs: Date.parse(s.startedAt),
    endMs: Date.parse(s.endedAt),
    manual: s.manual === true,
  };
}

export interface ChainSide {
  op: Op;
  /** The attempt to show: the first successful one, else the latest. */
  spanId: string;
  result: StepResult;
  attempts: number;
  successes: number;
  failures: number;
  startMs: number;
  endMs: number;
  /** The attempt shown is an operator's repair. */
  manual: boolean;
}

export interface CompensationPair {
  key: string;
  step: string;
  index: number;
  forward: ChainSide | null;
  compensation: ChainSide | null;
  status: PairStatus;
  /** Consistency gap: a succeeded forward step that is not (yet) undone. */
  gap: boolean;
  /** 1 = first successful compensation to start; null when not compensated. */
  compensationOrder: number | null;
  /**
   * Compensated before a step with a higher index was (should be reverse order).
   * Judged on the saga's own compensations: an operator's repair comes later by design.
   */
  outOfOrder: boolean;
}

export interface CompensationChain {
  pairs: CompensationPair[];
  /** The saga is rolling back, so succeeded forward steps need compensations. */
  expectCompensation: boolean;
  gapCount: number;
  compensatedCount: number;
}

interface SideAcc {
  op: Op;
  shown: ChainStep;
  attempts: number;
  successes: number;
  failures: number;
}

function accumulate(acc: SideAcc | null, s: ChainStep): SideAcc {
  if (!acc) {
    return { op: s.op, shown: s, attempts: 1, successes: s.result === 'success' ? 1 : 0, failures: isFailure(s.result) ? 1 : 0 };
  }
  acc.attempts++;
  if (s.result === 'success') acc.successes++;
  if (isFailure(s.result)) acc.failures++;
  acc.shown = preferShown(acc.shown, s);
  return acc;
}

/** Not finished: in flight, or the branch answered ONGOING (DTM calls it again). */
function inProgress(r: StepResult): boolean {
  return r === 'running' || r === 'ongoing';
}

function isFailure(r: StepResult): boolean {
  return r === 'failure' || r === 'transient' || r === 'rejected';
}

/** The first success wins; without one, the latest attempt. */
function preferShown(a: ChainStep, b: ChainStep): ChainStep {
  const aOk = a.result === 'success';
  const bOk = b.result === 'success';
  if (aOk !== bOk) return aOk ? a : b;
  if (aOk) return b.startMs < a.startMs ? b : a;
  return b.startMs > a.startMs || (b.startMs === a.startMs && b.attempt > a.attempt) ? b : a;
}

function toSide(acc: SideAcc | null): ChainSide | null {
  if (!acc) return null;
  return {
    op: acc.op,
    spanId: acc.shown.spanId,
    result: acc.shown.result,
    attempts: acc.attempts,
    successes: acc.successes,
    failures: acc.failures,
    startMs: acc.shown.startMs,
    endMs: acc.shown.endMs,
    manual: acc.shown.manual === true,
  };
}

/** Whether succeeded forward steps are expected to have been compensated. */
export function expectsCompensation(status: SagaStatus, steps: readonly ChainStep[]): boolean {
  if (status === 'compensating' || status === 'compensated' || status === 'failed') return true;
  if (status === 'stuck') return hasUnrecoveredForwardFailure(steps);
  return false;
}

function hasUnrecoveredForwardFailure(steps: readonly ChainStep[]): boolean {
  const ok = new Set<string>();
  const failed = new Set<string>();
  for (const s of steps) {
    if (COMPENSATION.has(s.op)) continue;
    const k = `${s.index}\u0000${s.step}\u0000${s.op}`;
    if (s.result === 'success') ok.add(k);
    else if (isFailure(s.result)) failed.add(k);
  }
  for (const k of failed) if (!ok.has(k)) return true;
  return false;
}

export function buildCompensationChain(steps: readonly StepJson[], status: SagaStatus): CompensationChain {
  return buildChainFromSteps(steps.map(chainStepFromJson), status);
}

export function buildChainFromSteps(steps: readonly ChainStep[], status: SagaStatus): CompensationChain {
  const expect = expectsCompensation(status, steps);
  const compensating = status === 'compensating';
  // Grouped by index, then name, without building a key string per step: a
  // 50,000-step saga spent most of its chain time allocating and hashing those.
  type Group = { key: string; step: string; index: number; firstMs: number; fwd: SideAcc | null; comp: SideAcc | null };
  const byIndex = new Map<number, Map<string, Group>>();
  const groups: Group[] = [];
  for (const s of steps) {
    const undoable = UNDOABLE_OPS.has(s.op);
    const comp = COMPENSATION.has(s.op);
    if (!undoable && !comp) continue; // confirm / submit / commit: second phase, nothing to pair
    let named = byIndex.get(s.index);
    if (!named) {
      named = new Map();
      byIndex.set(s.index, named);
    }
    let g = named.get(s.step);
    const t = s.startMs;
    if (!g) {
      g = { key: `${s.index}\u0000${s.step}`, step: s.step, index: s.index, firstMs: t, fwd: null, comp: null };
      named.set(s.step, g);
      groups.push(g);
    } else if (t < g.firstMs) {
      g.firstMs = t;
    }
    if (undoable) g.fwd = accumulate(g.fwd, s);
    else g.comp = accumulate(g.comp, s);
  }

  // (index, step) is unique per group, so the order is total without the key.
  const ordered = groups.sort((a, b) => a.index - b.index || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0));

  const pairs: CompensationPair[] = ordered.map((g) => {
    const forward = toSide(g.fwd);
    const compensation = toSide(g.comp);
    const pair = pairStatus(forward, compensation, expect, compensating);
    return {
      key: g.key,
      step: g.step,
      index: g.index,
      forward,
      compensation,
      status: pair,
      gap: pair === 'pending' || pair === 'missing' || pair === 'compensation_failed',
      compensationOrder: null,
      outOfOrder: false,
    };
  });

  markCompensationOrder(pairs);
  return {
    pairs,
    expectCompensation: expect,
    gapCount: pairs.reduce((n, p) => n + (p.gap ? 1 : 0), 0),
    compensatedCount: pairs.reduce((n, p) => n + (p.status === 'compensated' ? 1 : 0), 0),
  };
}

function pairStatus(fwd: ChainSide | null, comp: ChainSide | null, expect: boolean, compensating: boolean): PairStatus {
  if (!fwd) return 'null_compensation';
  if (fwd.successes === 0) return inProgress(fwd.result) ? 'forward_running' : 'forward_failed';
  if (comp && comp.successes > 0) return 'compensated';
  if (!expect) return 'not_needed';
  // Still rolling back: not compensated yet is expected, unless an attempt already failed.
  if (comp && comp.failures > 0 && !inProgress(comp.result)) return 'compensation_failed';
  if (compensating) return 'pending';
  if (comp && inProgress(comp.result)) return 'pending';
  return 'missing';
}

/**
 * Compensations should start in reverse step order. A compensated step is out
 * of order when some higher-index step's compensation started strictly later.
 * Compensations that start at the same instant (parallel) are not flagged, nor
 * does an operator's repair take part (as the model's compensation_out_of_order):
 * it is numbered in the order things ran, but is neither flagged nor makes
 * another step out of order.
 */
function markCompensationOrder(pairs: CompensationPair[]): void {
  const done = pairs.filter((p) => p.status === 'compensated' && p.compensation);
  const all = [...done].sort((a, b) => a.compensation!.startMs - b.compensation!.startMs || b.index - a.index);
  all.forEach((p, i) => {
    p.compensationOrder = i + 1;
  });
  const byStart = all.filter((p) => !p.compensation!.manual);
  let maxLaterIndex = -Infinity;
  let i = byStart.length - 1;
  while (i >= 0) {
    const t = byStart[i].compensation!.startMs;
    let j = i;
    while (j >= 0 && byStart[j].compensation!.startMs === t) j--;
    for (let k = i; k > j; k--) if (maxLaterIndex > byStart[k].index) byStart[k].outOfOrder = true;
    for (let k = i; k > j; k--) maxLaterIndex = Math.max(maxLaterIndex, byStart[k].index);
    i = j;
  }
}
