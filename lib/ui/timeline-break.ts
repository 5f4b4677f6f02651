/**
 * A broken time axis for a saga's timeline. An operator's repair (manual steps)
 * usually comes minutes after the saga's own run, which took milliseconds: on
 * one linear axis the saga's own steps shrink to slivers at the left edge and
 * the repair to a sliver at the right. Instead, idle time next to a repair that
 * would take most of the axis is cut out and marked as a break; the saga's own
 * run keeps at least half of the track, each later stretch a readable share.
 *
 * Only gaps next to a manual step are cut: the saga's own pauses (a
 * coordinator's retry interval) are part of what the timeline shows. Computed
 * once per timeline (O(n log n)); bars then map in O(log pieces) (barBox).
 */
import { formatDuration } from './format';
import type { TimelineColumns } from './timeline-columns';
import { timeTicks, type ScaleBreak, type ScalePiece, type Tick, type TimeScale } from './timeline-scale';

/** Width of a break mark, % of the track. */
export const BREAK_PCT = 4;
/** A gap is cut when it is more than this share of the time still drawn linearly. */
const GAP_SHARE = 0.5;
const MAX_BREAKS = 3;

interface Columns {
  n: number;
  start(i: number): number;
  end(i: number): number;
  manual(i: number): boolean;
}

interface Run {
  t0: number;
  t1: number;
  manual: boolean;
  own: boolean;
}

/** The scale of timeline rows: broken around a distant repair, else linear (as timeScale). */
export function repairAwareScale(rows: ReadonlyArray<{ startMs: number; endMs: number; manual: boolean }>): TimeScale {
  return scaleOf({ n: rows.length, start: (i) => rows[i]!.startMs, end: (i) => rows[i]!.endMs, manual: (i) => rows[i]!.manual });
}

/** The same from timeline columns (lib/ui/timeline-columns.ts), without building row objects. */
export function repairAwareColumnsScale(c: TimelineColumns): TimeScale {
  const manual = new Set(c.manual);
  const start = (i: number) => c.t0 + c.startUs[i]! / 1000;
  return scaleOf({ n: c.id.length, start, end: (i) => start(i) + Math.max(0, c.durationUs[i]!) / 1000, manual: (i) => manual.has(i) });
}

function scaleOf(c: Columns): TimeScale {
  let t0 = Infinity;
  let t1 = -Infinity;
  let manual = 0;
  for (let i = 0; i < c.n; i++) {
    const s = c.start(i);
    if (s < t0) t0 = s;
    const e = Math.max(c.end(i), s);
    if (e > t1) t1 = e;
    if (c.manual(i)) manual++;
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return { t0: 0, t1: 1, spanMs: 1 };
  const linear: TimeScale = { t0, t1, spanMs: Math.max(t1 - t0, 1) };
  if (manual === 0 || manual === c.n) return linear;

  const runs = busyRuns(c);
  const broken = gapsToCut(runs, t1 - t0);
  if (broken.size === 0) return linear;
  return { ...linear, ...layout(runs, broken) };
}

/** Stretches of time covered by at least one bar, in order. */
function busyRuns(c: Columns): Run[] {
  const order = Array.from({ length: c.n }, (_, i) => i).sort((a, b) => c.start(a) - c.start(b));
  const runs: Run[] = [];
  let cur: Run | null = null;
  for (const i of order) {
    const s = c.start(i);
    const e = Math.max(c.end(i), s);
    const m = c.manual(i);
    if (cur === null || s > cur.t1) {
      cur = { t0: s, t1: e, manual: m, own: !m };
      runs.push(cur);
    } else {
      if (e > cur.t1) cur.t1 = e;
      if (m) cur.manual = true;
      else cur.own = true;
    }
  }
  return runs;
}

/** Indexes i of the gaps (between runs i and i+1) to cut: the largest first, while each takes most of what is left. */
function gapsToCut(runs: readonly Run[], totalMs: number): Set<number> {
  const candidates: number[] = [];
  for (let i = 0; i + 1 < runs.length; i++) if (runs[i]!.manual || runs[i + 1]!.manual) candidates.push(i);
  const gap = (i: number) => runs[i + 1]!.t0 - runs[i]!.t1;
  candidates.sort((a, b) => gap(b) - gap(a));
  const cut = new Set<number>();
  let remaining = totalMs;
  for (const i of candidates) {
    if (cut.size >= MAX_BREAKS || !(gap(i) > GAP_SHARE * remaining)) break;
    cut.add(i);
    remaining -= gap(i);
  }
  return cut;
}

/**
 * Pieces between the cuts, with widths: the first piece (the saga's own run
 * begins there) gets at least as much as all others together, and no later
 * piece less than a third of the widest of them.
 */
function layout(runs: readonly Run[], cut: ReadonlySet<number>): { pieces: ScalePiece[]; breaks: ScaleBreak[] } {
  const spans: Array<{ t0: number; t1: number }> = [];
  let start = runs[0]!.t0;
  for (let i = 0; i < runs.length; i++) {
    if (cut.has(i) || i === runs.length - 1) {
      spans.push({ t0: start, t1: runs[i]!.t1 });
      if (i + 1 < runs.length) start = runs[i + 1]!.t0;
    }
  }
  const dur = spans.map((s) => Math.max(s.t1 - s.t0, 1));
  const widestLater = Math.max(...dur.slice(1));
  const weights = dur.map((d, i) => (i === 0 ? d : Math.max(d, widestLater / 3)));
  const later = weights.slice(1).reduce((a, b) => a + b, 0);
  weights[0] = Math.max(weights[0]!, later);
  const total = weights.reduce((a, b) => a + b, 0);
  const available = 100 - BREAK_PCT * (spans.length - 1);
  const pieces: ScalePiece[] = [];
  const breaks: ScaleBreak[] = [];
  let left = 0;
  spans.forEach((s, i) => {
    if (i > 0) {
      breaks.push({ fromMs: spans[i - 1]!.t1, toMs: s.t0, leftPct: left, widthPct: BREAK_PCT });
      left += BREAK_PCT;
    }
    const widthPct = (weights[i]! / total) * available;
    pieces.push({ t0: s.t0, t1: s.t1, leftPct: left, widthPct });
    left += widthPct;
  });
  return { pieces, breaks };
}

/** Ticks of the first piece closer than this (% of the track) to its break are left out: the label would run into it. */
const TICK_CLEARANCE_PCT = 7;

/**
 * Axis ticks for any scale: round steps over a linear axis; on a broken one,
 * round steps over the first piece and, at the start of each later piece, its
 * offset from the start ("+3m 05s"), written from the piece's start onwards.
 */
export function axisTicks(scale: TimeScale, maxTicks = 8): Tick[] {
  const pieces = scale.pieces;
  if (!pieces || pieces.length === 0) return timeTicks(scale.spanMs, maxTicks);
  const [first, ...later] = pieces;
  const end = first!.leftPct + first!.widthPct;
  const firstTicks = timeTicks(Math.max(first!.t1 - first!.t0, 1), Math.max(1, Math.round((maxTicks * first!.widthPct) / 100)))
    .map((t) => ({ ...t, pct: first!.leftPct + (t.pct * first!.widthPct) / 100 }))
    .filter((t) => t.offsetMs === 0 || t.pct <= end - TICK_CLEARANCE_PCT);
  return [
    ...firstTicks,
    ...later.map((p) => ({ offsetMs: p.t0 - scale.t0, pct: p.leftPct, label: `+${formatDuration(p.t0 - scale.t0)}`, alignStart: true })),
  ];
}
