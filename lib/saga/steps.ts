import { OPS, type Op, type SagaSpan, type Step, type StepResult } from './types';
import { groupExecutions, stepKeyOf, type Execution } from './executions';
import { FORWARD_OPS, isCompensationOp, opPhaseRank } from './ops';

/** Everything known about one (step, op). */
export interface OpHistory {
  key: string;
  op: Op;
  compensation: boolean;
  /** Every execution of this (step, op), both sides, in canonical order. */
  runs: Execution[];
  /** One entry per attempt, ascending attempt. */
  entries: Step[];
  /**
   * The (step, op)'s standing: the result of its latest attempt that did or
   * failed the work (finalResult), then read under the saga's protocol rules
   * (lib/saga/protocol-rules.ts settleStandings): `running` while it is in
   * progress, a failure the coordinator retries included; `failure` only when
   * nothing will call it again.
   */
  final: StepResult;
  /** Highest attempt number seen (may exceed entries.length when early attempts were lost). */
  maxAttempt: number;
}

/** One step (identity key) and its ops. */
export interface StepGroup {
  key: string;
  name: string;
  index: number;
  /** In OPS order. */
  histories: OpHistory[];
  /** History of the step's first-phase op (first of FORWARD_OPS present), if any forward op ran. */
  firstPhase: OpHistory | null;
  compensations: OpHistory[];
  hasForward: boolean;
}

export interface StepModel {
  /** Sorted by (index, key). */
  groups: StepGroup[];
  /** Sorted by (startMs, index, spanId, traceId). */
  steps: Step[];
}

const OP_ORDER = new Map<Op, number>(OPS.map((op, i) => [op, i]));
const FORWARD_ORDER = new Map<Op, number>(FORWARD_OPS.map((op, i) => [op, i]));
const NONE: readonly OpHistory[] = Object.freeze([]);

/**
 * The (step, op)'s standing: its latest attempt that did or failed the work. A
 * barrier no-op (`skipped`: a re-sent or late attempt the barrier ignored) or a
 * refusal (`rejected`) says nothing about the step's state, so it does not
 * override an earlier success or failure; only when every attempt was such a
 * no-op does it stand.
 */
export function finalResult(entries: readonly Step[]): StepResult {
  for (let i = entries.length - 1; i >= 0; i--) {
    const r = entries[i]!.result;
    if (r !== 'skipped' && r !== 'rejected') return r;
  }
  return entries[entries.length - 1]!.result;
}

/*
 * Written for sagas of tens of thousands of steps too: each step allocates a few
 * small objects only, and (step, op)s with a single execution, by far the most
 * common case, skip the attempt bookkeeping.
 */
interface KeyAcc {
  key: string;
  fromBranch: boolean;
  minStepIndex: number | null;
  nameSpan: SagaSpan | null;
  /** At most one per op kind, so a linear search beats a Map. */
  histories: OpHistory[];
  firstForwardStart: number;
  firstStart: number;
}

/**
 * Builds steps from spans already deduplicated and in canonical order (see
 * canonicalize). `repair`: per span, 1 when it belongs to an operator's repair
 * (lib/saga/repair.ts); null when none does.
 */
export function buildStepModel(spans: readonly SagaSpan[], parentIndex: Int32Array, repair: Uint8Array | null = null): StepModel {
  const accs = new Map<string, KeyAcc>();
  for (const s of spans) {
    const key = stepKeyOf(s);
    if (key === null || s.op === null) continue;
    let acc = accs.get(key);
    if (acc === undefined) {
      acc = { key, fromBranch: false, minStepIndex: null, nameSpan: null, histories: [], firstForwardStart: Infinity, firstStart: Infinity };
      accs.set(key, acc);
    }
    if (s.branchId) acc.fromBranch = true;
    if (s.stepIndex !== null && (acc.minStepIndex === null || s.stepIndex < acc.minStepIndex)) {
      acc.minStepIndex = s.stepIndex;
    }
    if (s.step && (acc.nameSpan === null || nameRank(s) < nameRank(acc.nameSpan))) acc.nameSpan = s;
  }

  for (const run of groupExecutions(spans, parentIndex, repair)) {
    const acc = accs.get(run.key) as KeyAcc;
    const h = findHistory(acc.histories, run.op);
    if (h !== undefined) h.runs.push(run);
    else acc.histories.push({ key: run.key, op: run.op, compensation: isCompensationOp(run.op), runs: [run], entries: [], final: 'running', maxAttempt: 0 });
  }

  const steps: Step[] = [];
  for (const acc of accs.values()) {
    const name = acc.nameSpan?.step ?? acc.key;
    if (acc.histories.length > 1) acc.histories.sort((a, b) => (OP_ORDER.get(a.op) as number) - (OP_ORDER.get(b.op) as number));
    for (const h of acc.histories) {
      h.entries = entriesOf(h.runs, name);
      const last = h.entries[h.entries.length - 1];
      h.final = finalResult(h.entries);
      h.maxAttempt = last.attempt;
      for (const e of h.entries) {
        steps.push(e);
        if (e.startMs < acc.firstStart) acc.firstStart = e.startMs;
        if (!h.compensation && e.startMs < acc.firstForwardStart) acc.firstForwardStart = e.startMs;
      }
    }
  }

  const groups: StepGroup[] = [];
  for (const [acc, index] of assignIndexes(accs)) {
    for (const h of acc.histories) for (const e of h.entries) e.index = index;
    groups.push(groupOf(acc.key, acc.nameSpan?.step ?? acc.key, index, acc.histories));
  }
  groups.sort((a, b) => a.index - b.index || cmpStr(a.key, b.key));
  steps.sort(compareSteps);
  return { groups, steps };
}

/** A step group from its histories (in OPS order): its first-phase op and its compensations. */
export function groupOf(key: string, name: string, index: number, histories: OpHistory[]): StepGroup {
  let firstPhase: OpHistory | null = null;
  let compensations = NONE as OpHistory[];
  for (const h of histories) {
    if (h.compensation) {
      if (compensations === NONE) compensations = [];
      compensations.push(h);
    } else if (firstPhase === null || (FORWARD_ORDER.get(h.op) as number) < (FORWARD_ORDER.get(firstPhase.op) as number)) {
      firstPhase = h;
    }
  }
  return { key, name, index, histories, firstPhase, compensations, hasForward: firstPhase !== null };
}

function findHistory(histories: readonly OpHistory[], op: Op): OpHistory | undefined {
  for (const h of histories) if (h.op === op) return h;
  return undefined;
}

/**
 * Preference for the span whose saga.step names the step: a real step name beats
 * a URL path derived by the zero-code mapping, and a forward op's name beats a
 * compensation's (DTM compensates on a different URL than the action). Spans come
 * in canonical order, so among equals the earliest wins.
 */
function nameRank(s: SagaSpan): number {
  return (s.zeroCode ? 3 : 0) + opPhaseRank(s.op as Op);
}

/**
 * One entry per attempt, ascending. Attempt = saga.attempt when the spans carry
 * it, otherwise 1..n by start time, each side numbered on its own so that the
 * coordinator's n-th call and the participant's n-th execution meet on the same
 * attempt. The participant's record of a call is the execution itself; the
 * coordinator's client span only stands in when the participant sent nothing.
 * Indexes are filled in once every step is known.
 */
function entriesOf(runs: readonly Execution[], name: string): Step[] {
  if (runs.length === 1) return [toStep(runs[0], runs[0].explicitAttempt ?? 1, name, runs[0].manual)];
  const chosen = new Map<number, Execution>();
  // An attempt is manual when either side's record of it says so: sagascope's own
  // client span carries saga.trigger=manual, the participant's span of that call usually not.
  let manual: Set<number> | null = null;
  for (const cls of ['participant', 'coordinator'] as const) {
    let implicit = 0;
    for (const r of runs) {
      if (r.cls !== cls) continue;
      const attempt = r.explicitAttempt ?? ++implicit;
      if (!chosen.has(attempt)) chosen.set(attempt, r);
      if (r.manual) (manual ??= new Set()).add(attempt);
    }
  }
  return [...chosen].sort((a, b) => a[0] - b[0]).map(([attempt, run]) => toStep(run, attempt, name, manual !== null && manual.has(attempt)));
}

/**
 * saga.step.index when any span has one (the smallest, should spans disagree);
 * else a numeric branch id (DTM numbers branches 01, 02 …); else the 1-based rank
 * of the step by its first forward start (steps with only compensations last).
 */
function assignIndexes(accs: ReadonlyMap<string, KeyAcc>): Map<KeyAcc, number> {
  const ranked = [...accs.values()].sort(
    (a, b) => a.firstForwardStart - b.firstForwardStart || a.firstStart - b.firstStart || cmpStr(a.key, b.key),
  );
  const out = new Map<KeyAcc, number>();
  ranked.forEach((acc, i) => {
    let index = i + 1;
    if (acc.minStepIndex !== null) index = acc.minStepIndex;
    else if (acc.fromBranch && /^\d{1,15}$/.test(acc.key)) index = Number.parseInt(acc.key, 10);
    out.set(acc, index);
  });
  return out;
}

function toStep(run: Execution, attempt: number, name: string, manual: boolean): Step {
  const s = run.root;
  return {
    step: name,
    key: run.key,
    index: 0,
    op: run.op,
    attempt,
    service: s.service,
    result: run.result,
    startMs: s.startMs,
    endMs: s.endMs,
    durationMs: s.endMs > 0 ? Math.max(0, s.endMs - s.startMs) : 0,
    traceId: s.traceId,
    spanId: s.spanId,
    error: run.result === 'failure' || run.result === 'transient' ? run.error : null,
    compensation: isCompensationOp(run.op),
    manual,
  };
}

export function compareSteps(a: Step, b: Step): number {
  if (a.startMs !== b.startMs) return a.startMs < b.startMs ? -1 : 1;
  if (a.index !== b.index) return a.index - b.index;
  return cmpStr(a.spanId, b.spanId) || cmpStr(a.traceId, b.traceId);
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
