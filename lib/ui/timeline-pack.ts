/**
 * Compact wire form of timeline rows, for handing a 50,000-row timeline from a
 * server component to the browser. As plain objects the rows cost ~250 bytes
 * each, and the RSC payload is inlined into the HTML escaped, so a large saga
 * came to ~27 MB of HTML. Columns of small numbers, interned strings and times
 * relative to the first row cut that by ~8x; the browser unpacks once.
 */
import { OPS, type Op } from '../saga/types';
import type { BarOutcome, BarTone, TimelineItem } from './timeline-items';

export const TIMELINE_TONES: readonly BarTone[] = ['forward', 'compensation', 'span'];
export const TIMELINE_OUTCOMES: readonly BarOutcome[] = ['ok', 'failed', 'skipped', 'rejected', 'running'];
const TONES = TIMELINE_TONES;
const OUTCOMES = TIMELINE_OUTCOMES;

export interface PackedTimeline {
  /** Epoch ms that `start` offsets are relative to. */
  t0: number;
  strings: string[];
  id: string[];
  trace: number[];
  label: number[];
  service: number[];
  /** Index into OPS, -1 for none. */
  op: number[];
  attempt: number[];
  /** Offsets from t0 and durations, in ms rounded to the microsecond. */
  start: number[];
  duration: number[];
  depth: number[];
  stepIndex: number[];
  tone: number[];
  outcome: number[];
  /** Sparse: [row, string index] for rows with an error message. */
  errors: Array<[number, number]>;
  /** Sparse: rows run by hand (manual actions). */
  manual: number[];
}

const micro = (ms: number) => Math.round(ms * 1000) / 1000;

export function packTimeline(items: readonly TimelineItem[]): PackedTimeline {
  const strings: string[] = [];
  const seen = new Map<string, number>();
  const intern = (s: string) => {
    let i = seen.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      seen.set(s, i);
    }
    return i;
  };
  let t0 = Infinity;
  for (const it of items) if (it.startMs < t0) t0 = it.startMs;
  if (!Number.isFinite(t0)) t0 = 0;

  const p: PackedTimeline = {
    t0, strings, id: [], trace: [], label: [], service: [], op: [], attempt: [],
    start: [], duration: [], depth: [], stepIndex: [], tone: [], outcome: [], errors: [], manual: [],
  };
  items.forEach((it, row) => {
    p.id.push(it.id);
    p.trace.push(intern(it.traceId));
    p.label.push(intern(it.label));
    p.service.push(intern(it.service));
    p.op.push(it.op === null ? -1 : OPS.indexOf(it.op));
    p.attempt.push(it.attempt);
    p.start.push(micro(it.startMs - t0));
    p.duration.push(micro(Math.max(0, it.endMs - it.startMs)));
    p.depth.push(it.depth);
    p.stepIndex.push(it.stepIndex);
    p.tone.push(Math.max(0, TONES.indexOf(it.tone)));
    p.outcome.push(Math.max(0, OUTCOMES.indexOf(it.outcome)));
    if (it.error !== null) p.errors.push([row, intern(it.error)]);
    if (it.manual) p.manual.push(row);
  });
  return p;
}

export function unpackTimeline(p: PackedTimeline): TimelineItem[] {
  const errors = new Map<number, string>(p.errors.map(([row, s]) => [row, p.strings[s]]));
  const manual = new Set<number>(p.manual);
  const out: TimelineItem[] = new Array(p.id.length);
  for (let i = 0; i < p.id.length; i++) out[i] = packedRow(p, i, errors, manual);
  return out;
}

/** Row `i` of packed columns as a TimelineItem. */
export function packedRow(p: PackedTimeline, i: number, errors: ReadonlyMap<number, string>, manual: ReadonlySet<number>): TimelineItem {
  const startMs = p.t0 + p.start[i];
  const op = p.op[i];
  return {
    id: p.id[i],
    traceId: p.strings[p.trace[i]],
    label: p.strings[p.label[i]],
    op: op >= 0 ? (OPS[op] as Op) : null,
    attempt: p.attempt[i],
    service: p.strings[p.service[i]],
    startMs,
    endMs: startMs + p.duration[i],
    depth: p.depth[i],
    stepIndex: p.stepIndex[i],
    tone: TONES[p.tone[i]],
    outcome: OUTCOMES[p.outcome[i]],
    error: errors.get(i) ?? null,
    manual: manual.has(i),
  };
}

/** The first `n` rows (a large saga's first screen, rendered before the rest is fetched). */
export function headOfTimeline(p: PackedTimeline, n: number): PackedTimeline {
  if (p.id.length <= n) return p;
  const errors = p.errors.filter(([row]) => row < n);
  const manual = p.manual.filter((row) => row < n);
  // Only the strings the head uses, renumbered (a large saga interns tens of thousands).
  const strings: string[] = [];
  const remap = new Map<number, number>();
  const keep = (i: number) => {
    let j = remap.get(i);
    if (j === undefined) {
      j = strings.length;
      strings.push(p.strings[i]);
      remap.set(i, j);
    }
    return j;
  };
  const trace = p.trace.slice(0, n).map(keep);
  const label = p.label.slice(0, n).map(keep);
  const service = p.service.slice(0, n).map(keep);
  return {
    t0: p.t0,
    strings,
    id: p.id.slice(0, n),
    trace,
    label,
    service,
    op: p.op.slice(0, n),
    attempt: p.attempt.slice(0, n),
    start: p.start.slice(0, n),
    duration: p.duration.slice(0, n),
    depth: p.depth.slice(0, n),
    stepIndex: p.stepIndex.slice(0, n),
    tone: p.tone.slice(0, n),
    outcome: p.outcome.slice(0, n),
    errors: errors.map(([row, str]) => [row, keep(str)]),
    manual,
  };
}

/**
 * Checks a packed timeline that came over the network (the saga page fetches a
 * large saga's rows after its first screen): every column an array of the right
 * length and type, every index inside its table, so the row code can trust
 * them. Written out instead of a zod schema because this runs in the browser:
 * zod would add ~100 KB of script (30 KB compressed) that a first visit compiles
 * before the page hydrates, and element-wise schemas over 50,000 rows cost
 * 2–5× the JSON parse itself.
 */
export function parsePackedTimeline(input: unknown): PackedTimeline {
  const fail = (what: string): never => {
    throw new Error(`packed timeline: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return fail('not an object');
  const p = input as Record<string, unknown>;
  const col = (name: string): unknown[] => (Array.isArray(p[name]) ? (p[name] as unknown[]) : fail(`${name} is not an array`));
  if (typeof p.t0 !== 'number' || !Number.isFinite(p.t0)) fail('bad t0');
  const strings = col('strings');
  for (const v of strings) if (typeof v !== 'string') fail('bad string table');
  const id = col('id');
  const n = id.length;
  for (const v of id) if (typeof v !== 'string') fail('bad id');
  const ints = (name: string, min: number, max: number) => {
    const c = col(name);
    if (c.length !== n) fail(`${name} has ${c.length} rows, expected ${n}`);
    for (let i = 0; i < n; i++) {
      const v = c[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`bad ${name} at row ${i}`);
    }
  };
  const nums = (name: string) => {
    const c = col(name);
    if (c.length !== n) fail(`${name} has ${c.length} rows, expected ${n}`);
    for (let i = 0; i < n; i++) if (typeof c[i] !== 'number' || !Number.isFinite(c[i])) fail(`bad ${name} at row ${i}`);
  };
  const lastString = strings.length - 1;
  ints('trace', 0, lastString);
  ints('label', 0, lastString);
  ints('service', 0, lastString);
  ints('op', -1, OPS.length - 1);
  ints('attempt', 0, Number.MAX_SAFE_INTEGER);
  nums('start');
  nums('duration');
  ints('depth', 0, Number.MAX_SAFE_INTEGER);
  ints('stepIndex', -1, Number.MAX_SAFE_INTEGER);
  ints('tone', 0, TONES.length - 1);
  ints('outcome', 0, OUTCOMES.length - 1);
  const isRow = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n;
  for (const e of col('errors')) {
    if (!Array.isArray(e) || e.length !== 2 || !isRow(e[0]) || !Number.isInteger(e[1]) || e[1] < 0 || e[1] > lastString) fail('bad error entry');
  }
  for (const row of col('manual')) if (!isRow(row)) fail('bad manual row');
  return p as unknown as PackedTimeline;
}
