/**
 * Horizontal scale of a gantt chart. Computed once per chart; each row then only
 * does two subtractions and a division, so a 50,000-row timeline stays cheap to
 * scroll. Positions are percentages of the track so nothing depends on measuring
 * the DOM.
 */

export interface TimeScale {
  /** The time drawn at the left and the right edge of the track (epoch ms): the whole timeline, or a zoom window. */
  t0: number;
  t1: number;
  /** Never 0, so zero-length charts do not divide by zero. */
  spanMs: number;
  /** What axis labels count from (the timeline's start) when t0 is a zoom window's start; absent: t0. */
  origin?: number;
  /**
   * The timeline's idle stretches (no bar active, each at least MIN_IDLE_MS, in
   * order): what a drawn scale may collapse (lib/ui/time-axis.ts displayScale).
   * Found once from all rows (on the server for a saga), so the first screen of
   * a large saga collapses the same gaps as the whole.
   */
  gaps?: IdleGap[];
  /**
   * A collapsed axis (lib/ui/time-axis.ts): these stretches of time, in order,
   * each drawn on its own share of the track; the idle time between them is
   * drawn as a narrow marked band (`breaks`). Absent: one linear axis from t0 to t1.
   */
  pieces?: ScalePiece[];
  breaks?: ScaleBreak[];
}

/** A stretch of time with no bar active. */
export interface IdleGap {
  fromMs: number;
  toMs: number;
}

/** A stretch of time drawn linearly on [leftPct, leftPct + widthPct] of the track. */
export interface ScalePiece {
  t0: number;
  t1: number;
  leftPct: number;
  widthPct: number;
}

/** Idle time cut out of a broken axis, marked on [leftPct, leftPct + widthPct] of the track. */
export interface ScaleBreak {
  fromMs: number;
  toMs: number;
  leftPct: number;
  widthPct: number;
}

export function timeScale(items: ReadonlyArray<{ startMs: number; endMs: number }>): TimeScale {
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const it of items) {
    if (it.startMs < t0) t0 = it.startMs;
    const end = Math.max(it.endMs, it.startMs);
    if (end > t1) t1 = end;
  }
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) return { t0: 0, t1: 1, spanMs: 1 };
  return { t0, t1, spanMs: Math.max(t1 - t0, 1) };
}

export interface BarBox {
  leftPct: number;
  widthPct: number;
  /** The bar lies wholly before or after the drawn time (a zoom window): not drawn. */
  outside?: 'before' | 'after';
}

export function barBox(scale: TimeScale, startMs: number, endMs: number): BarBox {
  if (Math.max(endMs, startMs) < scale.t0) return { leftPct: 0, widthPct: 0, outside: 'before' };
  if (startMs > scale.t1) return { leftPct: 100, widthPct: 0, outside: 'after' };
  if (scale.pieces && scale.pieces.length > 0) return pieceBox(scale.pieces, startMs, endMs);
  // Clipped at both edges: a bar that starts before a zoom window shows only its part inside.
  const left = ((startMs - scale.t0) / scale.spanMs) * 100;
  const right = ((Math.max(endMs, startMs) - scale.t0) / scale.spanMs) * 100;
  const leftPct = Math.min(Math.max(left, 0), 100);
  return { leftPct, widthPct: Math.min(Math.max(right, leftPct), 100) - leftPct };
}

/** The piece a bar starts in (breaks lie in idle time, so a bar never crosses one), O(log pieces); clipped to it. */
function pieceBox(pieces: readonly ScalePiece[], startMs: number, endMs: number): BarBox {
  let lo = 0;
  let hi = pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (pieces[mid]!.t0 <= startMs) lo = mid;
    else hi = mid - 1;
  }
  const p = pieces[lo]!;
  const span = Math.max(p.t1 - p.t0, 1);
  const from = Math.min(Math.max(startMs, p.t0), p.t1);
  const to = Math.min(Math.max(endMs, from), p.t1);
  const leftPct = p.leftPct + ((from - p.t0) / span) * p.widthPct;
  return { leftPct, widthPct: ((to - from) / span) * p.widthPct };
}

/** Tick steps people read easily on a time axis (ms). */
const STEPS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000,
  60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
];

export interface Tick {
  offsetMs: number;
  pct: number;
  label: string;
  /** Label starts at the tick instead of centring on it (the start of a piece after a break). */
  alignStart?: boolean;
}

/** The round step that divides spanMs into at most maxTicks intervals. */
export function tickStep(spanMs: number, maxTicks: number): number {
  return STEPS.find((s) => spanMs / s <= maxTicks) ?? Math.ceil(spanMs / maxTicks / 86_400_000) * 86_400_000;
}

/** Ticks from 0 to spanMs with at most `maxTicks` intervals, on a round step. */
export function timeTicks(spanMs: number, maxTicks = 8): Tick[] {
  if (!(spanMs > 0) || maxTicks < 1) return [{ offsetMs: 0, pct: 0, label: '0' }];
  const step = tickStep(spanMs, maxTicks);
  const ticks: Tick[] = [];
  // Integer multiples avoid accumulating float error across ticks.
  for (let i = 0; i * step <= spanMs + step * 1e-9; i++) {
    const offsetMs = i * step;
    ticks.push({ offsetMs, pct: (offsetMs / spanMs) * 100, label: formatOffset(offsetMs, step) });
  }
  return ticks;
}

/**
 * Axis label for an offset, with precision matched to the tick step. `maxOffsetMs`:
 * the largest offset on the axis; from 10 s on, fine steps are written in seconds
 * (a zoom window late in a saga: "40.205 s", not "40205 ms").
 */
export function formatOffset(offsetMs: number, stepMs: number, maxOffsetMs = 0): string {
  if (offsetMs === 0) return '0';
  if (stepMs < 1000 && maxOffsetMs >= 10_000) {
    const digits = Math.min(7, Math.max(1, Math.ceil(-Math.log10(stepMs / 1000) - 1e-9)));
    return `${(offsetMs / 1000).toFixed(digits)} s`;
  }
  if (stepMs < 1) {
    const digits = Math.min(3, Math.max(0, Math.ceil(-Math.log10(stepMs))));
    return `${offsetMs.toFixed(digits)} ms`;
  }
  if (stepMs < 1000) return `${Math.round(offsetMs)} ms`;
  if (stepMs < 60_000) return `${+(offsetMs / 1000).toFixed(stepMs % 1000 === 0 ? 0 : 1)} s`;
  if (stepMs < 3_600_000) return `${+(offsetMs / 60_000).toFixed(stepMs % 60_000 === 0 ? 0 : 1)} min`;
  if (stepMs < 86_400_000) return `${+(offsetMs / 3_600_000).toFixed(stepMs % 3_600_000 === 0 ? 0 : 1)} h`;
  return `${+(offsetMs / 86_400_000).toFixed(1)} d`;
}
