/**
 * One row model for both gantt charts (a saga's steps, a trace's spans), so the
 * timeline component is written once. Built on the server from the API shapes:
 * times become epoch numbers here, once, instead of being parsed while scrolling.
 */
import type { SpanJson, StepJson } from '../api/types';
import type { ChainStep } from '../saga/compensation-chain';
import { COMPENSATION_OPS, type Op, type StepResult } from '../saga/types';

export type BarTone = 'forward' | 'compensation' | 'span';
export type BarOutcome = 'ok' | 'failed' | 'skipped' | 'rejected' | 'running';

export interface TimelineItem {
  /** Span id; the selection key (`?span=`). */
  id: string;
  traceId: string;
  label: string;
  /** Saga op for step rows and saga-tagged spans. */
  op: Op | null;
  attempt: number;
  service: string;
  startMs: number;
  endMs: number;
  /** Nesting level in a trace tree; 0 for steps. */
  depth: number;
  /** The step's index in the saga definition; -1 for spans that are not step entries. */
  stepIndex: number;
  tone: BarTone;
  outcome: BarOutcome;
  error: string | null;
  /** Run by an operator from sagascope (saga.trigger=manual). */
  manual: boolean;
}

const COMPENSATION = new Set<string>(COMPENSATION_OPS);

const OUTCOME: Record<StepResult, BarOutcome> = {
  success: 'ok',
  failure: 'failed',
  skipped: 'skipped',
  rejected: 'rejected',
  running: 'running',
  // A zero-code DTM branch's answer: an error DTM retries is a failed attempt; ONGOING is work in progress.
  transient: 'failed',
  ongoing: 'running',
};

/** A bar's outcome as the compensation chain's step result. */
export const STEP_RESULT: Record<BarOutcome, StepResult> = {
  ok: 'success',
  failed: 'failure',
  skipped: 'skipped',
  rejected: 'rejected',
  running: 'running',
};

/** Step rows back into the compensation chain's input, so the browser can derive the chain itself. */
export function timelineItemsToChainSteps(items: readonly TimelineItem[]): ChainStep[] {
  const out: ChainStep[] = [];
  for (const it of items) {
    if (it.stepIndex < 0 || it.op === null) continue;
    out.push({
      step: it.label,
      index: it.stepIndex,
      op: it.op,
      attempt: it.attempt,
      result: STEP_RESULT[it.outcome],
      spanId: it.id,
      startMs: it.startMs,
      endMs: it.endMs,
      manual: it.manual,
    });
  }
  return out;
}

export function isCompensationOp(op: string | null | undefined): boolean {
  return op !== null && op !== undefined && COMPENSATION.has(op);
}

/** Steps keep the model's order (start time, then step index). */
export function stepsToTimelineItems(steps: readonly StepJson[]): TimelineItem[] {
  return steps.map((s) => {
    const startMs = Date.parse(s.startedAt);
    const endMs = Date.parse(s.endedAt);
    return {
      id: s.spanId,
      traceId: s.traceId,
      label: s.step,
      op: s.op,
      attempt: s.attempt,
      service: s.service,
      startMs,
      endMs: Number.isNaN(endMs) ? startMs : endMs,
      depth: 0,
      stepIndex: s.index,
      tone: isCompensationOp(s.op) ? 'compensation' : 'forward',
      outcome: OUTCOME[s.result] ?? 'ok',
      error: s.error,
      manual: s.manual === true,
    };
  });
}

const OTLP_STATUS_ERROR = 2;

function attr(span: SpanJson, key: string): unknown {
  return span.attributes?.[key] ?? span.resource?.[key];
}

/**
 * Spans in tree order (depth-first, siblings by start time). Spans whose parent
 * is not in the trace (not received yet, or sampled out) become roots, so a
 * partial trace still shows every span. Iterative, because a pathological trace
 * can be deeper than the call stack.
 */
export function spansToTimelineItems(spans: readonly SpanJson[]): TimelineItem[] {
  const byId = new Map<string, SpanJson>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const unique = [...byId.values()];
  const start = new Map<string, number>(unique.map((s) => [s.spanId, Date.parse(s.startedAt)]));
  const children = new Map<string, SpanJson[]>();
  const roots: SpanJson[] = [];
  for (const s of unique) {
    const parent = s.parentSpanId;
    if (parent && parent !== s.spanId && byId.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(s);
      else children.set(parent, [s]);
    } else {
      roots.push(s);
    }
  }
  const byStart = (a: SpanJson, b: SpanJson) =>
    start.get(a.spanId)! - start.get(b.spanId)! || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const out: TimelineItem[] = [];
  const visited = new Set<string>();
  const stack: Array<{ span: SpanJson; depth: number }> = [];
  const pushAll = (list: SpanJson[], depth: number) => {
    for (let i = list.length - 1; i >= 0; i--) stack.push({ span: list[i], depth });
  };
  const walk = (rootList: SpanJson[]) => {
    pushAll(rootList, 0);
    while (stack.length > 0) {
      const { span, depth } = stack.pop()!;
      if (visited.has(span.spanId)) continue;
      visited.add(span.spanId);
      out.push(spanToItem(span, depth, start.get(span.spanId)!));
      const kids = children.get(span.spanId);
      if (kids) pushAll(kids, depth + 1);
    }
  };
  walk(roots);
  // Parent cycles (a→b→a) have no root; show those spans rather than drop them.
  const rest = unique.filter((s) => !visited.has(s.spanId)).sort(byStart);
  if (rest.length > 0) walk(rest);
  return out;
}

function spanToItem(s: SpanJson, depth: number, startMs: number): TimelineItem {
  const endMs = Date.parse(s.endedAt);
  const opAttr = attr(s, 'saga.op');
  const op = typeof opAttr === 'string' && opAttr.length > 0 ? (opAttr as Op) : null;
  const attemptAttr = Number(attr(s, 'saga.attempt'));
  const failed = s.statusCode === OTLP_STATUS_ERROR;
  return {
    id: s.spanId,
    traceId: s.traceId,
    label: s.name,
    op,
    attempt: Number.isInteger(attemptAttr) && attemptAttr > 0 ? attemptAttr : 1,
    service: s.service,
    startMs,
    endMs: Number.isNaN(endMs) ? startMs : endMs,
    depth,
    stepIndex: -1,
    tone: isCompensationOp(op) ? 'compensation' : 'span',
    outcome: failed ? 'failed' : 'ok',
    error: failed ? (s.statusMessage ?? null) : null,
    manual: attr(s, 'saga.trigger') === 'manual',
  };
}
