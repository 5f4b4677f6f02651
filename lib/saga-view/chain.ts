/**
 * The compensation chain of a saga: every forward step paired with its
 * compensation, in step-index order, with the places where the saga is not (yet)
 * consistent marked as gaps. Built once on the server from the model's steps
 * (Saga.steps); each side names the row of the attempt it shows (row i is
 * steps[i], as in the saga's timeline columns), so the browser reads op, span,
 * result and times from the rows it already has.
 *
 * Whether a compensation ran out of order is the model's verdict
 * (compensation_out_of_order, lib/saga/compensation-order.ts, per protocol:
 * lib/saga/protocol-rules.ts), read from the anomaly's evidence, never judged
 * again here: step indexes say nothing about the order of a concurrent saga's
 * branches, and TCC / XA compensations may run in any order.
 *
 * Pairing key is (index, display name): the model gives an action and its
 * compensation the same display name and index (branch identity), while two
 * branches calling the same endpoint keep distinct indexes.
 */
import { FIRST_PHASE_OPS } from '../saga/ops';
import { COMPENSATION_OPS, type Anomaly, type Op, type SagaStatus, type StepResult } from '../saga/types';

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

/** Appended only: the wire form (lib/ui/chain-wire.ts) indexes into this list. */
export const PAIR_STATUSES = [
  'compensated',
  'not_needed',
  'pending',
  'missing',
  'compensation_failed',
  'forward_failed',
  'forward_running',
  'null_compensation',
] as const satisfies readonly PairStatus[];
// Every PairStatus is listed (a new one added to the union fails to compile here).
const allListed: Exclude<PairStatus, (typeof PAIR_STATUSES)[number]> extends never ? true : never = true;
void allListed;

/** What the chain reads of a step (the model's Step has it all). */
export interface ChainStep {
  step: string;
  index: number;
  op: Op;
  attempt: number;
  result: StepResult;
  spanId: string;
  startMs: number;
  endMs: number;
  manual: boolean;
}

/** One side of a pair: the row of the attempt shown (the first successful one, else the latest) and its op's tally. */
export interface ChainSide {
  row: number;
  attempts: number;
  successes: number;
  failures: number;
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
  /** The model found this step compensated too early (compensation_out_of_order names its compensation first). */
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
  /** Row of the attempt shown. */
  shown: number;
  attempts: number;
  successes: number;
  failures: number;
}

/** Not finished: in flight, or the branch answered ONGOING (DTM calls it again). */
function inProgress(r: StepResult): boolean {
  return r === 'running' || r === 'ongoing';
}

function isFailure(r: StepResult): boolean {
  return r === 'failure' || r === 'transient' || r === 'rejected';
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

/** The steps the model found compensated too early: the first evidence span of each compensation_out_of_order, by step name. */
function compensatedTooEarly(anomalies: readonly Anomaly[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of anomalies) {
    if (a.kind !== 'compensation_out_of_order' || a.step === null || a.spanIds.length === 0) continue;
    let spans = out.get(a.step);
    if (!spans) out.set(a.step, (spans = new Set()));
    spans.add(a.spanIds[0]!);
  }
  return out;
}

/**
 * The chain of a saga's steps (row i = steps[i]) at its status. `anomalies`:
 * the model's, whose compensation_out_of_order marks pairs out of order.
 */
export function buildChain(steps: readonly ChainStep[], status: SagaStatus, anomalies: readonly Anomaly[]): CompensationChain {
  const expect = expectsCompensation(status, steps);
  const compensating = status === 'compensating';
  const tooEarly = compensatedTooEarly(anomalies);
  /** The first success wins; without one, the latest attempt. */
  const preferShown = (a: number, b: number): number => {
    const sa = steps[a]!;
    const sb = steps[b]!;
    const aOk = sa.result === 'success';
    const bOk = sb.result === 'success';
    if (aOk !== bOk) return aOk ? a : b;
    if (aOk) return sb.startMs < sa.startMs ? b : a;
    return sb.startMs > sa.startMs || (sb.startMs === sa.startMs && sb.attempt > sa.attempt) ? b : a;
  };
  const accumulate = (acc: SideAcc | null, row: number): SideAcc => {
    const r = steps[row]!.result;
    if (!acc) return { shown: row, attempts: 1, successes: r === 'success' ? 1 : 0, failures: isFailure(r) ? 1 : 0 };
    acc.attempts++;
    if (r === 'success') acc.successes++;
    if (isFailure(r)) acc.failures++;
    acc.shown = preferShown(acc.shown, row);
    return acc;
  };
  // Grouped by index, then name, without building a key string per step: a
  // 50,000-step saga spent most of its chain time allocating and hashing those.
  type Group = { key: string; step: string; index: number; fwd: SideAcc | null; comp: SideAcc | null; outOfOrder: boolean };
  const byIndex = new Map<number, Map<string, Group>>();
  const groups: Group[] = [];
  for (let row = 0; row < steps.length; row++) {
    const s = steps[row]!;
    const undoable = UNDOABLE_OPS.has(s.op);
    const comp = COMPENSATION.has(s.op);
    if (!undoable && !comp) continue; // confirm / submit / commit: second phase, nothing to pair
    let named = byIndex.get(s.index);
    if (!named) {
      named = new Map();
      byIndex.set(s.index, named);
    }
    let g = named.get(s.step);
    if (!g) {
      g = { key: `${s.index}\u0000${s.step}`, step: s.step, index: s.index, fwd: null, comp: null, outOfOrder: false };
      named.set(s.step, g);
      groups.push(g);
    }
    if (undoable) g.fwd = accumulate(g.fwd, row);
    else {
      g.comp = accumulate(g.comp, row);
      if (tooEarly.get(s.step)?.has(s.spanId)) g.outOfOrder = true;
    }
  }

  // (index, step) is unique per group, so the order is total without the key.
  const ordered = groups.sort((a, b) => a.index - b.index || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0));
  const resultOf = (side: SideAcc | null) => (side ? steps[side.shown]!.result : null);

  const pairs: CompensationPair[] = ordered.map((g) => {
    const pair = pairStatus(g.fwd, resultOf(g.fwd), g.comp, resultOf(g.comp), expect, compensating);
    return {
      key: g.key,
      step: g.step,
      index: g.index,
      forward: toSide(g.fwd),
      compensation: toSide(g.comp),
      status: pair,
      gap: GAP_STATUSES.has(pair),
      compensationOrder: null,
      outOfOrder: g.outOfOrder && pair === 'compensated',
    };
  });

  numberCompensations(pairs, steps);
  return {
    pairs,
    expectCompensation: expect,
    gapCount: pairs.reduce((n, p) => n + (p.gap ? 1 : 0), 0),
    compensatedCount: pairs.reduce((n, p) => n + (p.status === 'compensated' ? 1 : 0), 0),
  };
}

/** Statuses that are a consistency gap: a succeeded forward step not (yet) undone. */
export const GAP_STATUSES: ReadonlySet<PairStatus> = new Set<PairStatus>(['pending', 'missing', 'compensation_failed']);

function toSide(acc: SideAcc | null): ChainSide | null {
  return acc ? { row: acc.shown, attempts: acc.attempts, successes: acc.successes, failures: acc.failures } : null;
}

function pairStatus(
  fwd: SideAcc | null,
  fwdResult: StepResult | null,
  comp: SideAcc | null,
  compResult: StepResult | null,
  expect: boolean,
  compensating: boolean,
): PairStatus {
  if (!fwd) return 'null_compensation';
  if (fwd.successes === 0) return inProgress(fwdResult!) ? 'forward_running' : 'forward_failed';
  if (comp && comp.successes > 0) return 'compensated';
  if (!expect) return 'not_needed';
  // Still rolling back: not compensated yet is expected, unless an attempt already failed.
  if (comp && comp.failures > 0 && !inProgress(compResult!)) return 'compensation_failed';
  if (compensating) return 'pending';
  if (comp && inProgress(compResult!)) return 'pending';
  return 'missing';
}

/**
 * Numbers the compensated pairs in the order their compensations started
 * ("ran 1st"), an operator's repair included; ties by the higher index first.
 */
function numberCompensations(pairs: CompensationPair[], steps: readonly ChainStep[]): void {
  const startOf = (p: CompensationPair) => steps[p.compensation!.row]!.startMs;
  const done = pairs.filter((p) => p.status === 'compensated' && p.compensation);
  done.sort((a, b) => startOf(a) - startOf(b) || b.index - a.index);
  done.forEach((p, i) => {
    p.compensationOrder = i + 1;
  });
}
