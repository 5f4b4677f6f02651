import type { Op, SagaSpan, StepResult } from './types';

/** participant: role participant or none; coordinator: role coordinator. */
export type RoleClass = 'participant' | 'coordinator';

/**
 * An execution is one run of one (step, op) by one side of the call: the span that
 * recorded it plus any spans nested inside it that describe the same run (a
 * zero-code HTTP server span wrapping a hand-made span with saga.* attributes, a
 * coordinator's logical step span wrapping its client span). Counting those as
 * separate runs would invent retries and idempotency breaches.
 */
export interface Execution {
  key: string;
  op: Op;
  cls: RoleClass;
  /** The outermost span: its times, service and ids represent the execution. */
  root: SagaSpan;
  /** saga.attempt of the root, else of the first nested span that has one. */
  explicitAttempt: number | null;
  result: StepResult;
  error: string | null;
  /**
   * An operator's repair: the root or a nested span carries saga.trigger=manual,
   * or any of them belongs to a repair by ancestry (lib/saga/repair.ts).
   */
  manual: boolean;
}

/** Step identity: branch id when present (DTM pairs action and compensation by it), else step. */
export function stepKeyOf(s: SagaSpan): string | null {
  if (s.branchId) return s.branchId;
  return s.step ? s.step : null;
}

/** Spans that describe work on a step: they have an op and something identifying the step. */
export function isStepSpan(s: SagaSpan): boolean {
  return s.op !== null && stepKeyOf(s) !== null;
}

export function roleClassOf(s: SagaSpan): RoleClass {
  // A span without a role is what the participant's own instrumentation (or
  // zero-code HTTP instrumentation) records: the execution itself.
  return s.role === 'coordinator' ? 'coordinator' : 'participant';
}

/**
 * Groups the step spans into executions, returned in the canonical order of their
 * roots. `spans` are in canonical order, `parentIndex` gives each one's parent
 * position (see canonicalize). Linear in the number of spans: parent walks are
 * memoised, and cyclic parent links (span data is untrusted) end a walk.
 * `repair`: per span, 1 when it belongs to an operator's repair; null when none does.
 */
export function groupExecutions(spans: readonly SagaSpan[], parentIndex: Int32Array, repair: Uint8Array | null = null): Execution[] {
  const n = spans.length;
  const w: Walks = {
    spans,
    parentIndex,
    stepAboveOf: new Int32Array(n).fill(UNKNOWN),
    rootOfSpan: new Int32Array(n).fill(UNKNOWN),
    isStep: new Uint8Array(n),
    onWalk: new Uint8Array(n),
    isContainer: new Uint8Array(n),
    onChain: new Uint8Array(n),
    walk: [],
    chain: [],
  };
  for (let i = 0; i < n; i++) if (isStepSpan(spans[i])) w.isStep[i] = 1;

  // Nested members per root; most executions have none.
  let nested: Map<number, SagaSpan[]> | null = null;
  // Roots of executions one of whose spans belongs to a repair.
  let repaired: Set<number> | null = null;
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!w.isStep[i]) continue;
    const root = rootOf(w, i);
    if (repair !== null && repair[i] === 1) (repaired ??= new Set()).add(root);
    if (root === i) {
      roots.push(i);
      continue;
    }
    const list = (nested ??= new Map()).get(root);
    if (list === undefined) nested.set(root, [spans[i]]);
    else list.push(spans[i]);
  }

  const out: Execution[] = [];
  for (const i of roots) {
    if (w.isContainer[i]) continue;
    const run = toExecution(spans[i], nested?.get(i));
    if (repaired !== null && repaired.has(i)) run.manual = true;
    out.push(run);
  }
  return out;
}

// UNKNOWN until computed, NONE when there is none.
const UNKNOWN = -2;
const NONE = -1;

/** The memoised parent walks of one groupExecutions call (module functions, not closures: this runs per saga). */
interface Walks {
  spans: readonly SagaSpan[];
  parentIndex: Int32Array;
  /** Nearest step span strictly above each span. */
  stepAboveOf: Int32Array;
  /** Outermost step span of the execution each step span belongs to. */
  rootOfSpan: Int32Array;
  isStep: Uint8Array;
  onWalk: Uint8Array;
  /**
   * Coordinator spans that wrap several attempts of their (step, op): they
   * record the step as a whole, not a run of it.
   */
  isContainer: Uint8Array;
  onChain: Uint8Array;
  walk: number[];
  chain: number[];
}

/**
 * Nearest step span strictly above `start`, looking through plain spans (HTTP
 * middleware, handler spans) that instrumentation puts in between.
 */
function stepAbove(w: Walks, start: number): number {
  const { stepAboveOf, onWalk, walk, parentIndex, isStep } = w;
  let cur = start;
  let found = NONE;
  for (;;) {
    if (stepAboveOf[cur] !== UNKNOWN) {
      found = stepAboveOf[cur];
      break;
    }
    walk.push(cur);
    onWalk[cur] = 1;
    const parent = parentIndex[cur];
    if (parent < 0 || onWalk[parent]) break;
    if (isStep[parent]) {
      found = parent;
      break;
    }
    cur = parent;
  }
  for (const p of walk) {
    stepAboveOf[p] = found;
    onWalk[p] = 0;
  }
  walk.length = 0;
  return found;
}

function rootOf(w: Walks, start: number): number {
  const { rootOfSpan, onChain, chain, spans } = w;
  let cur = start;
  let root: number;
  for (;;) {
    if (rootOfSpan[cur] !== UNKNOWN) {
      root = rootOfSpan[cur];
      break;
    }
    chain.push(cur);
    onChain[cur] = 1;
    const above = stepAbove(w, cur);
    const nesting = above === NONE || onChain[above] ? 'none' : nestingOf(spans[above], spans[cur]);
    if (nesting !== 'same') {
      if (nesting === 'retry') w.isContainer[above] = 1;
      root = cur;
      break;
    }
    cur = above;
  }
  for (const p of chain) {
    rootOfSpan[p] = root;
    onChain[p] = 0;
  }
  chain.length = 0;
  return root;
}

/**
 * How `inner`, nested under `outer`, relates to it. On the participant side
 * anything nested under the handling span of the same (step, op) is that call:
 * 'same'. On the coordinator side a wrapper may contain several retries, so only
 * spans that agree on the attempt are the same run; others are 'retry'.
 */
function nestingOf(outer: SagaSpan, inner: SagaSpan): 'same' | 'retry' | 'none' {
  if (outer.op !== inner.op || stepKeyOf(outer) !== stepKeyOf(inner)) return 'none';
  const cls = roleClassOf(inner);
  if (roleClassOf(outer) !== cls) return 'none';
  return cls === 'participant' || outer.attempt === inner.attempt ? 'same' : 'retry';
}

/** `nested`: the other spans of the execution, in canonical order (usually none). */
function toExecution(root: SagaSpan, nested: readonly SagaSpan[] | undefined): Execution {
  let explicitAttempt = root.attempt;
  let override = root.result;
  let failed: SagaSpan | null = root.statusCode === 2 ? root : null;
  let manual = root.trigger === 'manual';
  for (const s of nested ?? []) {
    if (s.trigger === 'manual') manual = true;
    if (explicitAttempt === null) explicitAttempt = s.attempt;
    if (override === null) override = s.result;
    if (s.statusCode === 2 && (failed === null || (!failed.statusMessage && s.statusMessage))) failed = s;
  }
  let result: StepResult;
  let error: string | null = null;
  if (override !== null) {
    result = override;
    if (override === 'failure' || override === 'transient') error = firstMessage(root, nested) ?? overrideError(root, override);
  } else if (failed !== null) {
    result = 'failure';
    error = failed.statusMessage || 'span status ERROR';
  } else if (root.endMs <= 0) {
    result = 'running';
  } else {
    result = 'success';
  }
  return {
    key: stepKeyOf(root) as string,
    op: root.op as Op,
    cls: roleClassOf(root),
    root,
    explicitAttempt,
    result,
    error,
    manual,
  };
}

/** Why an attempt failed when no span says: its result came from saga.step.result, or for a zero-code span from DTM's reading of its status code (lib/saga/dtm-result.ts). */
function overrideError(root: SagaSpan, result: 'failure' | 'transient'): string {
  if (!root.zeroCode) return `the step reported saga.step.result=${result}`;
  return result === 'failure'
    ? 'the branch answered FAILURE (HTTP 409 or gRPC ABORTED)'
    : 'the branch answered neither SUCCESS, FAILURE nor ONGOING (an error DTM retries)';
}

function firstMessage(root: SagaSpan, nested: readonly SagaSpan[] | undefined): string | null {
  if (root.statusMessage) return root.statusMessage;
  for (const s of nested ?? []) if (s.statusMessage) return s.statusMessage;
  return null;
}
