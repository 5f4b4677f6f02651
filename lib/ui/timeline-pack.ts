/**
 * Compact wire form of timeline rows, for handing a 50,000-row timeline from a
 * server component to the browser. As plain objects the rows cost ~250 bytes
 * each, and the RSC payload is inlined into the HTML escaped, so a large saga
 * came to ~27 MB of HTML. Columns of small numbers, interned strings and times
 * relative to the first row cut that by ~8x; the browser unpacks once.
 */
import { OPS, type Op } from '../saga/types';
import type { BarOutcome, BarTone, TimelineItem } from './timeline-items';

const TONES: readonly BarTone[] = ['forward', 'compensation', 'span'];
const OUTCOMES: readonly BarOutcome[] = ['ok', 'failed', 'skipped', 'rejected', 'running'];

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
  for (let i = 0; i < p.id.length; i++) {
    const startMs = p.t0 + p.start[i];
    const op = p.op[i];
    out[i] = {
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
  return out;
}
