/**
 * A gantt chart's rows as columns: the one shape rows have between the server
 * and the drawn row. A saga's steps (lib/saga-view/view.ts) and a trace's spans
 * (lib/ui/trace-columns.ts) are written into it directly; it travels to the
 * browser in its wire form (lib/ui/timeline-wire.ts) and the timeline reads a
 * row object out of it only for the rows it draws (lib/ui/timeline-rows.ts).
 *
 * Times are whole microseconds after `t0` (epoch ms): a saga's start, or a
 * trace's first span. Strings (trace ids, labels, services, errors) are
 * interned: a 50,000-step saga has a few hundred distinct ones.
 */
import { OPS, type Op, type StepResult } from '../saga/types';

export type BarTone = 'forward' | 'compensation' | 'span';
export type BarOutcome = 'ok' | 'failed' | 'skipped' | 'rejected' | 'running';

/** Appended only: the wire form indexes into these lists. */
export const TIMELINE_TONES: readonly BarTone[] = ['forward', 'compensation', 'span'];
export const TIMELINE_OUTCOMES: readonly BarOutcome[] = ['ok', 'failed', 'skipped', 'rejected', 'running'];

export interface TimelineColumns {
  /** Epoch ms that the times are relative to. */
  t0: number;
  strings: string[];
  /** Span id of each row; the selection key (`?span=`). */
  id: string[];
  trace: number[];
  label: number[];
  service: number[];
  /** Index into OPS, -1 for none. */
  op: number[];
  attempt: number[];
  /** Whole microseconds after t0, and durations (never negative). */
  startUs: number[];
  durationUs: number[];
  /** Nesting level in a trace tree; 0 for steps. */
  depth: number[];
  /** The step's index in the saga definition; -1 for spans that are not step entries. */
  stepIndex: number[];
  /** Index into TIMELINE_TONES / TIMELINE_OUTCOMES. */
  tone: number[];
  outcome: number[];
  /** Sparse: [row, string index] for rows with an error message. */
  errors: Array<[number, number]>;
  /** Sparse: rows run by hand (an operator's repair). */
  manual: number[];
}

/** One row, as the timeline draws it: read out of the columns (rowOf), never sent. */
export interface TimelineItem {
  id: string;
  traceId: string;
  label: string;
  /** Saga op for step rows and saga-tagged spans. */
  op: Op | null;
  attempt: number;
  service: string;
  startMs: number;
  endMs: number;
  depth: number;
  stepIndex: number;
  tone: BarTone;
  outcome: BarOutcome;
  error: string | null;
  /** Run by an operator from sagascope (saga.trigger=manual). */
  manual: boolean;
}

/** A step's result as a bar's outcome. */
export const OUTCOME_OF_RESULT: Record<StepResult, BarOutcome> = {
  success: 'ok',
  failure: 'failed',
  skipped: 'skipped',
  rejected: 'rejected',
  running: 'running',
  // A zero-code DTM branch's answer: an error DTM retries is a failed attempt; ONGOING is work in progress.
  transient: 'failed',
  ongoing: 'running',
};

/** A bar's outcome as the result the compensation chain shows. */
export const RESULT_OF_OUTCOME: Record<BarOutcome, StepResult> = {
  ok: 'success',
  failed: 'failure',
  skipped: 'skipped',
  rejected: 'rejected',
  running: 'running',
};

/** What one row is made of, as a builder takes it (times in epoch ms): the same fields a drawn row has. */
export type RowInput = TimelineItem;

const OP_INDEX: ReadonlyMap<Op, number> = new Map(OPS.map((op, i) => [op, i]));
const TONE_INDEX: ReadonlyMap<BarTone, number> = new Map(TIMELINE_TONES.map((t, i) => [t, i]));
const OUTCOME_INDEX: ReadonlyMap<BarOutcome, number> = new Map(TIMELINE_OUTCOMES.map((o, i) => [o, i]));

/** Writes rows into columns, in the order given. `t0` must not be after any row's start. */
export class ColumnsBuilder {
  readonly columns: TimelineColumns;
  private readonly seen = new Map<string, number>();

  constructor(t0: number) {
    this.columns = {
      t0, strings: [], id: [], trace: [], label: [], service: [], op: [], attempt: [],
      startUs: [], durationUs: [], depth: [], stepIndex: [], tone: [], outcome: [], errors: [], manual: [],
    };
  }

  intern(s: string): number {
    let i = this.seen.get(s);
    if (i === undefined) {
      i = this.columns.strings.length;
      this.columns.strings.push(s);
      this.seen.set(s, i);
    }
    return i;
  }

  add(r: RowInput): void {
    const c = this.columns;
    const row = c.id.length;
    c.id.push(r.id);
    c.trace.push(this.intern(r.traceId));
    c.label.push(this.intern(r.label));
    c.service.push(this.intern(r.service));
    c.op.push(r.op === null ? -1 : (OP_INDEX.get(r.op) ?? -1));
    c.attempt.push(r.attempt);
    // An end before the start (or an unfinished span's end of 0) is a bar of no length.
    c.startUs.push(Math.round((r.startMs - c.t0) * 1000));
    c.durationUs.push(Math.max(0, Math.round((r.endMs - r.startMs) * 1000)));
    c.depth.push(r.depth);
    c.stepIndex.push(r.stepIndex);
    c.tone.push(TONE_INDEX.get(r.tone) ?? 0);
    c.outcome.push(OUTCOME_INDEX.get(r.outcome) ?? 0);
    if (r.error !== null) c.errors.push([row, this.intern(r.error)]);
    if (r.manual) c.manual.push(row);
  }
}

/** The earliest start among rows, for `t0`; 0 when there are none. */
export function earliestStart(rows: Iterable<{ startMs: number }>): number {
  let t0 = Infinity;
  for (const r of rows) if (r.startMs < t0) t0 = r.startMs;
  return Number.isFinite(t0) ? t0 : 0;
}

/** Row `i` as an object. `errors` / `manual`: the sparse columns as a map and a set (made once per columns). */
export function rowOf(c: TimelineColumns, i: number, errors: ReadonlyMap<number, string>, manual: ReadonlySet<number>): TimelineItem {
  const startMs = c.t0 + c.startUs[i] / 1000;
  const op = c.op[i];
  return {
    id: c.id[i],
    traceId: c.strings[c.trace[i]],
    label: c.strings[c.label[i]],
    op: op >= 0 ? OPS[op] : null,
    attempt: c.attempt[i],
    service: c.strings[c.service[i]],
    startMs,
    endMs: startMs + c.durationUs[i] / 1000,
    depth: c.depth[i],
    stepIndex: c.stepIndex[i],
    tone: TIMELINE_TONES[c.tone[i]],
    outcome: TIMELINE_OUTCOMES[c.outcome[i]],
    error: errors.get(i) ?? null,
    manual: manual.has(i),
  };
}

export const errorsOf = (c: TimelineColumns): Map<number, string> => new Map(c.errors.map(([row, s]) => [row, c.strings[s]]));

/** Every row as an object (tests, and one-off lookups on the server). */
export function allRows(c: TimelineColumns): TimelineItem[] {
  const errors = errorsOf(c);
  const manual = new Set(c.manual);
  return c.id.map((_, i) => rowOf(c, i, errors, manual));
}

/** The first `n` rows (a large saga's first screen, drawn before the rest is fetched). */
export function headOfColumns(c: TimelineColumns, n: number): TimelineColumns {
  if (c.id.length <= n) return c;
  // Only the strings the head uses, renumbered (a large saga interns tens of thousands).
  const strings: string[] = [];
  const remap = new Map<number, number>();
  const keep = (i: number) => {
    let j = remap.get(i);
    if (j === undefined) {
      j = strings.length;
      strings.push(c.strings[i]);
      remap.set(i, j);
    }
    return j;
  };
  return {
    t0: c.t0,
    strings,
    id: c.id.slice(0, n),
    trace: c.trace.slice(0, n).map(keep),
    label: c.label.slice(0, n).map(keep),
    service: c.service.slice(0, n).map(keep),
    op: c.op.slice(0, n),
    attempt: c.attempt.slice(0, n),
    startUs: c.startUs.slice(0, n),
    durationUs: c.durationUs.slice(0, n),
    depth: c.depth.slice(0, n),
    stepIndex: c.stepIndex.slice(0, n),
    tone: c.tone.slice(0, n),
    outcome: c.outcome.slice(0, n),
    errors: c.errors.filter(([row]) => row < n).map(([row, s]) => [row, keep(s)]),
    manual: c.manual.filter((row) => row < n),
  };
}
