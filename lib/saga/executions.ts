import type { Op, SagaSpan, StepResult } from './types';
import { spanKey } from './spans';

/**
 * An execution is one run of one (step, op) by one side of the call: the span that
 * recorded it plus any spans nested inside it that describe the same run (a
 * zero-code HTTP server span wrapping a hand-made span with saga.* attributes, a
 * coordinator's logical step span wrapping its client span). Counting those as
 * separate runs would invent retries and idempotency breaches.
 */
export type RoleClass = 'participant' | 'coordinator';

export interface Execution {
  key: string;
  op: Op;
  cls: RoleClass;
  /** The outermost span: its times, service and ids represent the execution. */
  root: SagaSpan;
  /** root first, then nested spans in canonical order. */
  spans: SagaSpan[];
  /** saga.attempt of the root, else of the first nested span that has one. */
  explicitAttempt: number | null;
  result: StepResult;
  error: string | null;
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
 * Groups step spans (given in canonical order) into executions, returned in the
 * canonical order of their roots. Linear in the number of spans: parent walks are
 * memoised, and cyclic parent links (span data is untrusted) end the walk.
 */
export function groupExecutions(spans: readonly SagaSpan[], stepSpans: readonly SagaSpan[]): Execution[] {
  const byId = new Map<string, SagaSpan>();
  for (const s of spans) byId.set(spanKey(s.traceId, s.spanId), s);
  const isStep = new Set(stepSpans);

  const parentOf = (s: SagaSpan): SagaSpan | undefined =>
    s.parentSpanId === null ? undefined : byId.get(spanKey(s.traceId, s.parentSpanId));

  // Nearest step span strictly above a span, looking through plain spans
  // (HTTP middleware, handler spans) that instrumentation puts in between.
  const stepAboveMemo = new Map<SagaSpan, SagaSpan | null>();
  const stepAbove = (start: SagaSpan): SagaSpan | null => {
    const path: SagaSpan[] = [];
    const onPath = new Set<SagaSpan>();
    let cur = start;
    let found: SagaSpan | null = null;
    for (;;) {
      const memo = stepAboveMemo.get(cur);
      if (memo !== undefined) {
        found = memo;
        break;
      }
      path.push(cur);
      onPath.add(cur);
      const parent = parentOf(cur);
      if (parent === undefined || onPath.has(parent)) break;
      if (isStep.has(parent)) {
        found = parent;
        break;
      }
      cur = parent;
    }
    for (const p of path) stepAboveMemo.set(p, found);
    return found;
  };

  const rootMemo = new Map<SagaSpan, SagaSpan>();
  const rootOf = (start: SagaSpan): SagaSpan => {
    const path: SagaSpan[] = [];
    const onPath = new Set<SagaSpan>();
    let cur = start;
    let root: SagaSpan;
    for (;;) {
      const memo = rootMemo.get(cur);
      if (memo !== undefined) {
        root = memo;
        break;
      }
      path.push(cur);
      onPath.add(cur);
      const above = stepAbove(cur);
      if (above === null || onPath.has(above) || !sameExecution(above, cur)) {
        root = cur;
        break;
      }
      cur = above;
    }
    for (const p of path) rootMemo.set(p, root);
    return root;
  };

  const members = new Map<SagaSpan, SagaSpan[]>();
  for (const s of stepSpans) {
    const root = rootOf(s);
    const list = members.get(root);
    if (list === undefined) members.set(root, [s]);
    else list.push(s);
  }

  const out: Execution[] = [];
  for (const s of stepSpans) {
    const list = members.get(s);
    if (list === undefined) continue; // not a root
    const ordered = list[0] === s ? list : [s, ...list.filter((m) => m !== s)];
    out.push(toExecution(ordered));
  }
  return out;
}

/**
 * Whether `inner`, nested under `outer`, records the same run. On the participant
 * side anything nested under the handling span of the same (step, op) is that
 * call. On the coordinator side a wrapper may contain several retries, so only
 * spans that agree on the attempt are merged.
 */
function sameExecution(outer: SagaSpan, inner: SagaSpan): boolean {
  if (outer.op !== inner.op || stepKeyOf(outer) !== stepKeyOf(inner)) return false;
  const cls = roleClassOf(inner);
  if (roleClassOf(outer) !== cls) return false;
  return cls === 'participant' || outer.attempt === inner.attempt;
}

function toExecution(spans: SagaSpan[]): Execution {
  const root = spans[0];
  let explicitAttempt: number | null = null;
  let override: SagaSpan['result'] = null;
  let failed: SagaSpan | null = null;
  for (const s of spans) {
    if (explicitAttempt === null && s.attempt !== null) explicitAttempt = s.attempt;
    if (override === null && s.result !== null) override = s.result;
    if (s.statusCode === 2 && (failed === null || (!failed.statusMessage && s.statusMessage))) failed = s;
  }
  let result: StepResult;
  let error: string | null = null;
  if (override !== null) {
    result = override;
    if (override === 'failure') error = firstMessage(spans) ?? 'the step reported saga.step.result=failure';
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
    spans,
    explicitAttempt,
    result,
    error,
  };
}

function firstMessage(spans: readonly SagaSpan[]): string | null {
  for (const s of spans) if (s.statusMessage) return s.statusMessage;
  return null;
}
