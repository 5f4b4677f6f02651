/**
 * A trace's spans as timeline columns (lib/ui/timeline-columns.ts), in tree
 * order: depth-first, siblings by start time. Spans whose parent is not in the
 * trace (not received yet, or sampled out) become roots, so a partial trace
 * still shows every span. Iterative, because a pathological trace can be
 * deeper than the call stack.
 */
import type { SpanJson } from '../api/types';
import type { Op } from '../saga/types';
import { isCompensationOp } from '../saga/ops';
import { ColumnsBuilder, type RowInput, type TimelineColumns } from './timeline-columns';

const OTLP_STATUS_ERROR = 2;

function attr(span: SpanJson, key: string): unknown {
  return span.attributes?.[key] ?? span.resource?.[key];
}

/** The spans' rows in tree order. */
export function traceRows(spans: readonly SpanJson[]): RowInput[] {
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

  const out: RowInput[] = [];
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
      out.push(spanRow(span, depth, start.get(span.spanId)!));
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

/** The spans as columns, times after the first span's start. */
export function traceColumns(rows: readonly RowInput[]): TimelineColumns {
  let t0 = Infinity;
  for (const r of rows) if (r.startMs < t0) t0 = r.startMs;
  const b = new ColumnsBuilder(Number.isFinite(t0) ? t0 : 0);
  for (const r of rows) b.add(r);
  return b.columns;
}

function spanRow(s: SpanJson, depth: number, startMs: number): RowInput {
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
    tone: op !== null && isCompensationOp(op) ? 'compensation' : 'span',
    outcome: failed ? 'failed' : 'ok',
    error: failed ? (s.statusMessage ?? null) : null,
    manual: attr(s, 'saga.trigger') === 'manual',
  };
}
