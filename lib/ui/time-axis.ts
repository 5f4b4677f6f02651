/**
 * The drawn time axis of a timeline: which idle stretches collapse, and which
 * stretch of time a zoom window shows.
 *
 * Sagas run from milliseconds to hours, and a coordinator's retries with
 * backoff leave long idle stretches (five steps in 200 ms, then a compensation
 * retried after 10 s, 20 s, 40 s): on one linear axis the busy parts shrink to
 * slivers. The longest idle stretches are found once from all rows
 * (`baseColumnsScale`, O(n log n); on the server for a saga); drawing
 * (`displayScale`) then works on those few gaps only, O(gaps), so a zoom or a
 * toggle costs nothing per row beyond placing the rows in view (barBox).
 *
 * Collapse rule, evaluated over the time in view (so zooming into a stretch can
 * collapse a gap that was too short to matter over the whole saga): the longest
 * gaps first, each collapsed while it is at least MIN_IDLE_MS and more than
 * IDLE_SHARE of the time still drawn to scale. A collapsed gap becomes a band
 * of GAP_PCT of the track; the busy pieces share the rest in proportion to
 * their duration, none narrower than half an equal share (a retry of a few
 * milliseconds after a minute's pause stays a readable bar).
 */
import { formatDuration } from './format';
import type { TimelineColumns } from './timeline-columns';
import { formatOffset, tickStep, type IdleGap, type ScaleBreak, type ScalePiece, type Tick, type TimeScale } from './timeline-scale';

/** No gap shorter than this collapses: at sub-second scale a linear axis reads well. */
export const MIN_IDLE_MS = 1_000;
/** A gap collapses when longer than this share of the time still drawn to scale. */
export const IDLE_SHARE = 0.2;
/** Width of a collapsed gap's band, % of the track. */
export const GAP_PCT = 6;
/** Idle stretches kept per timeline: the longest (a 50,000-step saga may pause thousands of times). */
export const MAX_GAPS = 64;
/** Gaps collapsed at once in a view. */
export const MAX_COLLAPSED = 8;
/** The narrowest zoom window: 10 µs (the URL carries whole µs). */
export const MIN_WINDOW_MS = 0.01;

interface Bars {
  n: number;
  start(i: number): number;
  end(i: number): number;
}

/** The whole timeline's scale, with its idle stretches, from row objects (tests, small lists). */
export function baseScale(items: ReadonlyArray<{ startMs: number; endMs: number }>): TimeScale {
  return scaleOf({ n: items.length, start: (i) => items[i]!.startMs, end: (i) => items[i]!.endMs });
}

/** The same from timeline columns (lib/ui/timeline-columns.ts), without building row objects. */
export function baseColumnsScale(c: TimelineColumns): TimeScale {
  const start = (i: number) => c.t0 + c.startUs[i]! / 1000;
  return scaleOf({ n: c.id.length, start, end: (i) => start(i) + Math.max(0, c.durationUs[i]!) / 1000 });
}

function scaleOf(b: Bars): TimeScale {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (let i = 0; i < b.n; i++) {
    const s = b.start(i);
    if (s < t0) t0 = s;
    const e = Math.max(b.end(i), s);
    if (e > t1) t1 = e;
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return { t0: 0, t1: 1, spanMs: 1 };
  const scale: TimeScale = { t0, t1, spanMs: Math.max(t1 - t0, 1) };
  const gaps = idleGaps(b);
  return gaps.length > 0 ? { ...scale, gaps } : scale;
}

/** Stretches of at least MIN_IDLE_MS where no bar is active, in order; the MAX_GAPS longest. */
function idleGaps(b: Bars): IdleGap[] {
  // Steps are usually stored in start order: then no order is built nor sorted.
  let sorted = true;
  for (let i = 1; i < b.n && sorted; i++) if (b.start(i) < b.start(i - 1)) sorted = false;
  const order = sorted ? null : Array.from({ length: b.n }, (_, i) => i).sort((x, y) => b.start(x) - b.start(y));
  const gaps: IdleGap[] = [];
  let busyUntil = -Infinity;
  for (let k = 0; k < b.n; k++) {
    const i = order ? order[k]! : k;
    const s = b.start(i);
    if (busyUntil > -Infinity && s - busyUntil >= MIN_IDLE_MS) gaps.push({ fromMs: busyUntil, toMs: s });
    busyUntil = Math.max(busyUntil, b.end(i), s);
  }
  if (gaps.length <= MAX_GAPS) return gaps;
  return gaps
    .sort((x, y) => y.toMs - y.fromMs - (x.toMs - x.fromMs))
    .slice(0, MAX_GAPS)
    .sort((x, y) => x.fromMs - y.fromMs);
}

export interface AxisView {
  /** The zoom window (epoch ms), null for the whole timeline. */
  window: readonly [number, number] | null;
  /** Collapse idle gaps. */
  collapse: boolean;
}

/**
 * The scale the rows are drawn on: the zoom window of `base` (the whole
 * timeline, from baseScale), its idle gaps collapsed when asked. Bars outside
 * the window are reported as outside (barBox), bars across its edges clipped.
 */
export function displayScale(base: TimeScale, view: AxisView): TimeScale {
  const w = view.window ? clampWindow(base, view.window[0], view.window[1]) : null;
  const [a, b] = w ?? [base.t0, base.t1];
  const linear: TimeScale = w ? { t0: a, t1: b, spanMs: b - a, origin: base.t0 } : { t0: base.t0, t1: base.t1, spanMs: base.spanMs };
  if (!view.collapse || !base.gaps || base.gaps.length === 0) return linear;
  const cut = gapsToCollapse(base.gaps, a, b);
  return cut.length === 0 ? linear : { ...linear, ...layout(a, b, cut, w === null) };
}

/** The gaps (clipped to [a, b]) to collapse, in time order. */
export function gapsToCollapse(gaps: readonly IdleGap[], a: number, b: number): IdleGap[] {
  const inView = gaps
    .map((g) => ({ fromMs: Math.max(g.fromMs, a), toMs: Math.min(g.toMs, b) }))
    .filter((g) => g.toMs - g.fromMs >= MIN_IDLE_MS)
    .sort((x, y) => y.toMs - y.fromMs - (x.toMs - x.fromMs));
  const chosen: IdleGap[] = [];
  let remaining = b - a;
  for (const g of inView) {
    const len = g.toMs - g.fromMs;
    // `len < remaining`: a window wholly inside a gap stays drawn (there is nothing else to show).
    if (chosen.length >= MAX_COLLAPSED || !(len > IDLE_SHARE * remaining) || !(len < remaining)) break;
    chosen.push(g);
    remaining -= len;
  }
  return chosen.sort((x, y) => x.fromMs - y.fromMs);
}

/**
 * `whole`: [a, b] is the whole timeline, so its edges are bars' times; a zoom
 * window's edges may lie inside a gap, and an empty piece there is left out.
 */
function layout(a: number, b: number, cut: readonly IdleGap[], whole: boolean): { pieces: ScalePiece[]; breaks: ScaleBreak[] } {
  // The busy stretches between the collapsed gaps. Between two gaps there is always one, if only an
  // instant (a zero-length bar): it gets its share like the others.
  const spans: Array<{ t0: number; t1: number }> = [];
  let cursor = a;
  cut.forEach((g, i) => {
    if (g.fromMs > cursor || i > 0 || whole) spans.push({ t0: cursor, t1: g.fromMs });
    cursor = g.toMs;
  });
  if (cursor < b || whole) spans.push({ t0: cursor, t1: b });
  const durations = spans.map((s) => s.t1 - s.t0);
  const sum = durations.reduce((x, y) => x + y, 0);
  const floor = sum > 0 ? sum / (2 * spans.length) : 1;
  const weights = durations.map((d) => Math.max(d, floor));
  const total = weights.reduce((x, y) => x + y, 0);
  const available = 100 - GAP_PCT * cut.length;

  const pieces: ScalePiece[] = [];
  const breaks: ScaleBreak[] = [];
  let left = 0;
  let k = 0;
  let g = 0;
  // Walk pieces and gaps in time order.
  while (k < spans.length || g < cut.length) {
    if (g < cut.length && (k >= spans.length || cut[g]!.fromMs < spans[k]!.t1)) {
      breaks.push({ fromMs: cut[g]!.fromMs, toMs: cut[g]!.toMs, leftPct: left, widthPct: GAP_PCT });
      left += GAP_PCT;
      g++;
    } else {
      const widthPct = (weights[k]! / total) * available;
      pieces.push({ t0: spans[k]!.t0, t1: spans[k]!.t1, leftPct: left, widthPct });
      left += widthPct;
      k++;
    }
  }
  return { pieces, breaks };
}

interface Segment {
  t0: number;
  t1: number;
  leftPct: number;
  widthPct: number;
}

/** Pieces and gap bands in order: together they cover the track; time runs linearly within each. */
function segments(scale: TimeScale): Segment[] {
  if (!scale.pieces || scale.pieces.length === 0) return [{ t0: scale.t0, t1: scale.t1, leftPct: 0, widthPct: 100 }];
  const gaps = (scale.breaks ?? []).map((b) => ({ t0: b.fromMs, t1: b.toMs, leftPct: b.leftPct, widthPct: b.widthPct }));
  return [...scale.pieces, ...gaps].sort((x, y) => x.leftPct - y.leftPct);
}

/** Position (% of the track) of time t; monotonic; beyond the edges, extrapolated at the average rate. */
export function xOf(scale: TimeScale, t: number): number {
  if (t <= scale.t0) return ((t - scale.t0) / scale.spanMs) * 100;
  if (t >= scale.t1) return 100 + ((t - scale.t1) / scale.spanMs) * 100;
  for (const s of segments(scale)) {
    if (t <= s.t1) return s.leftPct + (s.t1 > s.t0 ? ((t - s.t0) / (s.t1 - s.t0)) * s.widthPct : 0);
  }
  return 100;
}

/** The time at position pct (% of the track): xOf's inverse (a brush's ends), clamped to the drawn time. */
export function timeAt(scale: TimeScale, pct: number): number {
  if (pct <= 0) return scale.t0;
  if (pct >= 100) return scale.t1;
  for (const s of segments(scale)) {
    if (pct <= s.leftPct + s.widthPct) return s.t0 + (s.widthPct > 0 ? ((pct - s.leftPct) / s.widthPct) * (s.t1 - s.t0) : 0);
  }
  return scale.t1;
}

/** A zoom window inside the timeline, at least MIN_WINDOW_MS wide; null when it is the whole timeline (or invalid). */
export function clampWindow(base: TimeScale, from: number, to: number): [number, number] | null {
  if (!Number.isFinite(from) || !Number.isFinite(to)) return null;
  let a = Math.max(Math.min(from, to), base.t0);
  let b = Math.min(Math.max(from, to), base.t1);
  const whole = base.t1 - base.t0;
  if (whole <= MIN_WINDOW_MS) return null;
  if (b - a < MIN_WINDOW_MS) {
    const mid = Math.min(Math.max((a + b) / 2, base.t0 + MIN_WINDOW_MS / 2), base.t1 - MIN_WINDOW_MS / 2);
    a = mid - MIN_WINDOW_MS / 2;
    b = mid + MIN_WINDOW_MS / 2;
  }
  return a <= base.t0 && b >= base.t1 ? null : [a, b];
}

/**
 * Zoom by `factor` (< 1 in, > 1 out) around the time under position pct of the
 * drawn scale: that time keeps its share of the window. Returns the new window
 * (null: the whole timeline).
 */
export function zoomAround(base: TimeScale, drawn: TimeScale, pct: number, factor: number): [number, number] | null {
  const t = timeAt(drawn, pct);
  const span = drawn.t1 - drawn.t0;
  const share = span > 0 ? (t - drawn.t0) / span : 0.5;
  const next = Math.max(span * factor, MIN_WINDOW_MS);
  let a = t - share * next;
  let b = a + next;
  // Zooming out near an edge slides the window rather than shrinking it.
  if (a < base.t0) [a, b] = [base.t0, Math.min(base.t1, base.t0 + next)];
  if (b > base.t1) [a, b] = [Math.max(base.t0, base.t1 - next), base.t1];
  return clampWindow(base, a, b);
}

/** The window a brush from pctA to pctB (either order) of the drawn scale selects. */
export function brushWindow(base: TimeScale, drawn: TimeScale, pctA: number, pctB: number): [number, number] | null {
  return clampWindow(base, timeAt(drawn, Math.min(pctA, pctB)), timeAt(drawn, Math.max(pctA, pctB)));
}

/**
 * A piece after a gap gets its start label ("+40.2 s") when at least START_LABEL_PCT wide (% of the track),
 * and keeps no round tick closer than START_CLEARANCE_PCT to it. Narrower pieces show no labels: the band
 * before them says how long the pause was, and their bars say how long they took.
 */
const START_LABEL_PCT = 14;
const START_CLEARANCE_PCT = 20;
/** …and those closer than this to a gap band after their piece (a centred label would run into it). */
const END_CLEARANCE_PCT = 4;

/**
 * Axis ticks of a drawn scale, labelled as offsets from the timeline's start:
 * round steps over a linear axis (or zoom window); on a collapsed one, round
 * steps within each piece in proportion to its width, and at the start of each
 * piece after a gap its offset ("+40.2 s"), written from there onwards.
 */
export function axisTicks(scale: TimeScale, maxTicks = 8): Tick[] {
  const origin = scale.origin ?? scale.t0;
  const maxOffset = scale.t1 - origin;
  const pieces = scale.pieces;
  if (!pieces || pieces.length === 0) return roundTicks(scale.t0, scale.t1, 0, 100, origin, maxTicks, maxOffset);
  const ticks: Tick[] = [];
  for (const p of pieces) {
    const end = p.leftPct + p.widthPct;
    let round = roundTicks(p.t0, p.t1, p.leftPct, p.widthPct, origin, Math.max(1, Math.round((maxTicks * p.widthPct) / 100)), maxOffset);
    if (p.leftPct > 0) {
      if (p.widthPct < START_LABEL_PCT) continue;
      ticks.push({ offsetMs: p.t0 - origin, pct: p.leftPct, label: p.t0 === origin ? '0' : `+${formatDuration(p.t0 - origin)}`, alignStart: true });
      round = round.filter((t) => t.pct >= p.leftPct + START_CLEARANCE_PCT);
    }
    if (end < 100 - 1e-9) round = round.filter((t) => t.pct <= end - END_CLEARANCE_PCT);
    ticks.push(...round);
  }
  return ticks;
}

function roundTicks(t0: number, t1: number, leftPct: number, widthPct: number, origin: number, maxTicks: number, maxOffset: number): Tick[] {
  const span = t1 - t0;
  const from = t0 - origin;
  if (!(span > 0)) return from === 0 ? [{ offsetMs: 0, pct: leftPct, label: '0', alignStart: true }] : [];
  const step = tickStep(span, maxTicks);
  const ticks: Tick[] = [];
  // Integer multiples avoid accumulating float error across ticks.
  const first = Math.ceil(from / step - 1e-9);
  const last = Math.floor((t1 - origin) / step + 1e-9);
  for (let k = first; k <= last; k++) {
    const offsetMs = k * step;
    const pct = leftPct + ((offsetMs - from) / span) * widthPct;
    ticks.push({ offsetMs, pct, label: formatOffset(offsetMs, step, maxOffset), ...(pct < 2 ? { alignStart: true } : {}) });
  }
  return ticks;
}
