import { describe, expect, it } from 'vitest';
import {
  axisTicks, baseColumnsScale, baseScale, brushWindow, clampWindow, displayScale, GAP_PCT, gapsToCollapse,
  MAX_GAPS, MIN_WINDOW_MS, timeAt, xOf, zoomAround,
} from './time-axis';
import { barBox, timeScale, type TimeScale } from './timeline-scale';
import { ColumnsBuilder } from './timeline-columns';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const S = 1000;
const MIN = 60 * S;
const bar = (startMs: number, endMs: number) => ({ startMs: T0 + startMs, endMs: T0 + endMs });

/** DTM-style: five steps in 200 ms, then a compensation retried after 10 s, 20 s and 40 s. */
const backoff = [
  bar(0, 40), bar(40, 80), bar(80, 120), bar(120, 160), bar(160, 200),
  bar(10_200, 10_210), bar(30_210, 30_220), bar(70_220, 70_260),
];
const whole = { window: null, collapse: true } as const;

/** Positions of many times across the scale, for monotonicity. */
function sweep(scale: TimeScale, n = 2000): number[] {
  return Array.from({ length: n + 1 }, (_, i) => xOf(scale, scale.t0 + ((scale.t1 - scale.t0) * i) / n));
}
const nonDecreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x >= xs[i - 1]! - 1e-9);

describe('baseScale', () => {
  it('finds the idle stretches of at least a second, in order', () => {
    const base = baseScale(backoff);
    expect([base.t0, base.t1]).toEqual([T0, T0 + 70_260]);
    expect(base.gaps!.map((g) => [g.fromMs - T0, g.toMs - T0])).toEqual([
      [200, 10_200],
      [10_210, 30_210],
      [30_220, 70_220],
    ]);
  });

  it('counts time under overlapping bars as busy, and has no gaps without a second of idleness', () => {
    // A long bar covers the pause between the short ones.
    expect(baseScale([bar(0, 50_000), bar(10, 20), bar(40_000, 40_010)]).gaps).toBeUndefined();
    expect(baseScale([bar(0, 10), bar(900, 910)]).gaps).toBeUndefined();
    // Unsorted rows give the same gaps.
    expect(baseScale([...backoff].reverse()).gaps).toEqual(baseScale(backoff).gaps);
  });

  it('keeps the longest gaps of a timeline that pauses very often', () => {
    const many = Array.from({ length: 200 }, (_, i) => bar(i * 3 * S + (i >= 150 ? 60 * S : 0), i * 3 * S + 10 + (i >= 150 ? 60 * S : 0)));
    const gaps = baseScale(many).gaps!;
    expect(gaps).toHaveLength(MAX_GAPS);
    expect(gaps.some((g) => g.toMs - g.fromMs > 60 * S)).toBe(true);
    expect(gaps.every((g, i) => i === 0 || g.fromMs > gaps[i - 1]!.fromMs)).toBe(true);
  });

  it('is the plain scale for no rows, one row and zero duration', () => {
    expect(baseScale([])).toEqual(timeScale([]));
    expect(baseScale([bar(5, 9)])).toEqual(timeScale([bar(5, 9)]));
    expect(baseScale([bar(5, 5), bar(5, 5)])).toEqual({ t0: T0 + 5, t1: T0 + 5, spanMs: 1 });
  });

  it('is the same from timeline columns', () => {
    const b = new ColumnsBuilder(T0);
    backoff.forEach((r, i) =>
      b.add({ id: `s${i}`, traceId: 't', label: 'x', op: 'action', attempt: 1, service: 'svc', startMs: r.startMs, endMs: r.endMs, depth: 0, stepIndex: 1, tone: 'forward', outcome: 'ok', error: null, manual: false }),
    );
    expect(baseColumnsScale(b.columns)).toEqual(baseScale(backoff));
  });
});

describe('displayScale: collapsed idle gaps', () => {
  const base = baseScale(backoff);
  const scale = displayScale(base, whole);

  it('collapses each long gap into a narrow band; the busy parts share the rest', () => {
    expect(scale.breaks!.map((b) => [b.fromMs - T0, b.toMs - T0, b.widthPct])).toEqual([
      [200, 10_200, GAP_PCT],
      [10_210, 30_210, GAP_PCT],
      [30_220, 70_220, GAP_PCT],
    ]);
    // On a linear axis the five steps take 0.3 % of the track; collapsed, most of it.
    expect(barBox(timeScale(backoff), T0, T0 + 200).widthPct).toBeLessThan(0.5);
    expect(barBox(scale, T0, T0 + 200).widthPct).toBeGreaterThan(50);
    for (const r of backoff) expect(barBox(scale, r.startMs, r.endMs).widthPct).toBeGreaterThan(2);
    // The track is covered exactly once: pieces and bands end to end.
    const parts = [...scale.pieces!, ...scale.breaks!.map((b) => ({ leftPct: b.leftPct, widthPct: b.widthPct }))].sort((x, y) => x.leftPct - y.leftPct);
    let at = 0;
    for (const p of parts) {
      expect(p.leftPct).toBeCloseTo(at, 9);
      at += p.widthPct;
    }
    expect(at).toBeCloseTo(100, 9);
  });

  it('maps time to position monotonically, and back', () => {
    expect(nonDecreasing(sweep(scale))).toBe(true);
    expect(xOf(scale, base.t0)).toBe(0);
    expect(xOf(scale, base.t1)).toBeCloseTo(100, 9);
    for (const t of [0, 37, 200, 5_000, 10_205, 50_000, 70_260]) expect(timeAt(scale, xOf(scale, T0 + t)) - T0).toBeCloseTo(t, 6);
    // A band stands for its whole gap: its middle is the gap's middle.
    const band = scale.breaks![2]!;
    expect(timeAt(scale, band.leftPct + band.widthPct / 2) - T0).toBeCloseTo(50_220, 6);
  });

  it('does not collapse a gap shorter than a fifth of the time drawn to scale, nor when asked not to', () => {
    // 10 s of steps every second with one 1.5 s pause: 13 % of the total.
    const even = [...Array.from({ length: 10 }, (_, i) => bar(i * S, i * S + 900)), bar(11_400, 11_500)];
    expect(baseScale(even).gaps).toHaveLength(1);
    expect(displayScale(baseScale(even), whole).breaks).toBeUndefined();
    expect(displayScale(base, { window: null, collapse: false })).toEqual({ t0: base.t0, t1: base.t1, spanMs: base.spanMs });
  });

  it('collapses the gap before an operator’s repair minutes later', () => {
    const repaired = baseScale([bar(0, 40), bar(50, 100), bar(3 * MIN, 3 * MIN + 30)]);
    const s = displayScale(repaired, whole);
    expect(s.breaks!.map((b) => b.fromMs - T0)).toEqual([100]);
    expect(barBox(s, T0, T0 + 100).widthPct).toBeGreaterThan(50);
    const repair = barBox(s, T0 + 3 * MIN, T0 + 3 * MIN + 30);
    expect(repair.leftPct).toBeGreaterThanOrEqual(s.breaks![0]!.leftPct + GAP_PCT - 1e-9);
    expect(repair.leftPct + repair.widthPct).toBeLessThanOrEqual(100 + 1e-9);
  });

  it('gives every piece a readable share, even one of zero length', () => {
    const s = displayScale(baseScale([bar(0, 0), bar(20 * S, 20 * S), bar(40 * S, 40 * S + 500)]), whole);
    expect(s.pieces).toHaveLength(3);
    for (const p of s.pieces!) expect(p.widthPct).toBeGreaterThan(5);
    expect(nonDecreasing(sweep(s))).toBe(true);
  });
});

describe('zoom', () => {
  const base = baseScale(backoff);

  it('draws only the window: bars outside are not drawn, bars across its edges clipped', () => {
    const s = displayScale(base, { window: [T0 + 50, T0 + 150], collapse: true });
    expect([s.t0 - T0, s.t1 - T0, s.origin]).toEqual([50, 150, T0]);
    expect(s.breaks).toBeUndefined();
    expect(barBox(s, T0 + 160, T0 + 200).outside).toBe('after');
    expect(barBox(s, T0, T0 + 40).outside).toBe('before');
    expect(barBox(s, T0 + 40, T0 + 80)).toEqual({ leftPct: 0, widthPct: 30 });
    expect(barBox(s, T0 + 120, T0 + 160)).toEqual({ leftPct: 70, widthPct: 30 });
    expect(barBox(s, T0 + 80, T0 + 120)).toEqual({ leftPct: 30, widthPct: 40 });
  });

  it('collapses only the gaps (clipped) inside the window, judged against the window', () => {
    const s = displayScale(base, { window: [T0 + 100, T0 + 35_000], collapse: true });
    expect(s.breaks!.map((b) => [b.fromMs - T0, b.toMs - T0])).toEqual([
      [200, 10_200],
      [10_210, 30_210],
      [30_220, 35_000],
    ]);
    expect(barBox(s, T0 + 70_220, T0 + 70_260).outside).toBe('after');
    expect(nonDecreasing(sweep(s))).toBe(true);
    // A window wholly inside a gap is drawn to scale.
    expect(displayScale(base, { window: [T0 + 40_000, T0 + 50_000], collapse: true }).breaks).toBeUndefined();
    expect(gapsToCollapse(base.gaps!, T0 + 40_000, T0 + 50_000)).toEqual([]);
  });

  it('labels ticks as offsets from the saga’s start, in seconds late in a long saga', () => {
    const s = displayScale(base, { window: [T0 + 70_200, T0 + 70_260], collapse: true });
    const ticks = axisTicks(s, 6);
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks[0]!.label).toBe('70.20 s');
    expect(ticks.every((t) => t.pct >= -1e-9 && t.pct <= 100 + 1e-9)).toBe(true);
    // Whole and collapsed: 0 first, then a piece after a band wide enough for it, from its offset.
    const all = axisTicks(displayScale(base, whole), 8);
    expect(all[0]).toMatchObject({ pct: 0, label: '0' });
    const repaired = displayScale(baseScale([bar(0, 40), bar(50, 100), bar(3 * MIN, 3 * MIN + 30)]), whole);
    const labels = axisTicks(repaired, 8);
    expect(labels.filter((t) => t.alignStart && t.pct > 0).map((t) => t.label)).toEqual(['+3m 00s']);
    expect(labels.every((t) => t.pct < repaired.breaks![0]!.leftPct || t.pct >= repaired.pieces![1]!.leftPct)).toBe(true);
    // A piece too narrow for a label (a 1 ms retry beside 10 s of work) gets none: the band before it says the pause.
    // (10 s of work, then instants after doubling pauses of 20 s … 320 s: five narrow pieces.)
    const instants = [20, 40, 80, 160, 320].map((_, i, d) => d.slice(0, i + 1).reduce((x, y) => x + y, 10) * S);
    const narrow = displayScale(baseScale([bar(0, 10 * S), ...instants.map((t) => bar(t, t + 1))]), whole);
    expect(narrow.pieces!.map((p) => p.widthPct < 14)).toEqual([false, true, true, true, true, true]);
    expect(axisTicks(narrow, 8).filter((t) => t.pct > narrow.pieces![0]!.widthPct)).toEqual([]);
  });

  it('zooms around the pointer: the time under it keeps its place', () => {
    const drawn = displayScale(base, { window: null, collapse: false });
    const w = zoomAround(base, drawn, 25, 0.5)!;
    expect(w[1] - w[0]).toBeCloseTo(base.spanMs / 2, 6);
    const after = displayScale(base, { window: w, collapse: false });
    expect(xOf(after, timeAt(drawn, 25))).toBeCloseTo(25, 6);
    // Zooming out at an edge slides the window; far enough out, it is the whole timeline again.
    const out = zoomAround(base, after, 90, 1.5)!;
    expect(out[1]).toBeLessThanOrEqual(base.t1);
    expect(zoomAround(base, after, 50, 4)).toBeNull();
  });

  it('turns a brush into a window, through collapsed gaps', () => {
    const drawn = displayScale(base, whole);
    const band = drawn.breaks![0]!;
    const w = brushWindow(base, drawn, 0, band.leftPct + band.widthPct)!;
    expect([w[0] - T0, w[1] - T0]).toEqual([0, 10_200]);
    // Either direction.
    expect(brushWindow(base, drawn, band.leftPct + band.widthPct, 0)).toEqual(w);
  });

  it('keeps windows inside the timeline and at least 10 µs wide', () => {
    expect(clampWindow(base, T0 - 5, T0 + 10)).toEqual([T0, T0 + 10]);
    expect(clampWindow(base, T0 - 5, T0 + 80_000)).toBeNull();
    const tiny = clampWindow(base, T0 + 100, T0 + 100)!;
    // Within the float resolution of epoch milliseconds (~0.2 µs).
    expect(tiny[1] - tiny[0]).toBeCloseTo(MIN_WINDOW_MS, 3);
    expect(clampWindow(base, Number.NaN, T0 + 10)).toBeNull();
    // A zero-length timeline has nothing to zoom into.
    expect(clampWindow(baseScale([bar(5, 5)]), T0, T0 + 5)).toBeNull();
  });
});
