import { describe, expect, it } from 'vitest';
import { axisTicks, BREAK_PCT, repairAwareColumnsScale, repairAwareScale } from './timeline-break';
import { barBox, timeScale } from './timeline-scale';
import { ColumnsBuilder } from './timeline-columns';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const MIN = 60_000;
const row = (startMs: number, endMs: number, manual = false) => ({ startMs: T0 + startMs, endMs: T0 + endMs, manual });

/** A saga's own run of 200 ms: four steps. */
const own = [row(0, 40), row(50, 90), row(100, 140), row(150, 200)];

describe('repairAwareScale', () => {
  it('cuts the minutes between the saga’s own run and a repair: the own steps keep most of the track', () => {
    const rows = [...own, row(3 * MIN, 3 * MIN + 30, true)];
    const linear = timeScale(rows);
    const scale = repairAwareScale(rows);
    expect(scale.breaks).toHaveLength(1);
    expect(scale.breaks![0]).toMatchObject({ fromMs: T0 + 200, toMs: T0 + 3 * MIN, widthPct: BREAK_PCT });

    // On one linear axis the whole own run is a sliver; broken, it fills the first piece.
    const ownWidth = (s: typeof scale) => barBox(s, T0, T0 + 200).widthPct;
    expect(ownWidth(linear)).toBeLessThan(0.2);
    expect(ownWidth(scale)).toBeGreaterThan(50);
    // Each own step is a readable bar, and the repair lies past the break, inside the track.
    for (const r of own) expect(barBox(scale, r.startMs, r.endMs).widthPct).toBeGreaterThan(10);
    const repair = barBox(scale, T0 + 3 * MIN, T0 + 3 * MIN + 30);
    expect(repair.leftPct).toBeGreaterThanOrEqual(scale.breaks![0]!.leftPct + BREAK_PCT);
    expect(repair.leftPct + repair.widthPct).toBeLessThanOrEqual(100 + 1e-9);
    expect(repair.widthPct).toBeGreaterThan(1);
    // The whole span is still reported (header: "spans 3m 00s").
    expect([scale.t0, scale.t1]).toEqual([T0, T0 + 3 * MIN + 30]);
  });

  it('labels the axis: round steps over the own run, the offset at the start of the repair', () => {
    const scale = repairAwareScale([...own, row(3 * MIN, 3 * MIN + 30, true)]);
    const ticks = axisTicks(scale, 8);
    expect(ticks[0]).toMatchObject({ pct: 0, label: '0' });
    expect(ticks.at(-1)).toMatchObject({ label: '+3m 00s', pct: scale.pieces![1]!.leftPct });
    expect(ticks.slice(0, -1).every((t) => t.pct <= scale.pieces![0]!.widthPct + 1e-9)).toBe(true);
  });

  it('cuts before each of several repairs minutes apart', () => {
    const scale = repairAwareScale([...own, row(3 * MIN, 3 * MIN + 30, true), row(9 * MIN, 9 * MIN + 20, true)]);
    expect(scale.breaks!.map((b) => [b.fromMs - T0, b.toMs - T0])).toEqual([
      [200, 3 * MIN],
      [3 * MIN + 30, 9 * MIN],
    ]);
    expect(scale.pieces).toHaveLength(3);
    expect(scale.pieces![0]!.widthPct).toBeGreaterThanOrEqual((100 - 2 * BREAK_PCT) / 2);
  });

  it('stays linear without a repair, with a repair right after the run, and across the saga’s own pauses', () => {
    const ownPause = [row(0, 40), row(5 * MIN, 5 * MIN + 40)];
    expect(repairAwareScale(own.map((r) => ({ ...r })))).toEqual(timeScale(own));
    expect(repairAwareScale(ownPause)).toEqual(timeScale(ownPause));
    const soon = [...own, row(300, 330, true)];
    expect(repairAwareScale(soon)).toEqual(timeScale(soon));
    // The own 5-minute retry pause is what the timeline shows; only the gap before the repair is cut.
    const both = [...ownPause, row(30 * MIN, 30 * MIN + 30, true)];
    expect(repairAwareScale(both).breaks!.map((b) => b.fromMs - T0)).toEqual([5 * MIN + 40]);
  });

  it('gives the same scale from timeline columns', () => {
    const rows = [...own, row(3 * MIN, 3 * MIN + 30, true)];
    const b = new ColumnsBuilder(T0);
    rows.forEach((r, i) =>
      b.add({ id: `s${i}`, traceId: 't', label: 'x', op: 'action', attempt: 1, service: 'svc', startMs: r.startMs, endMs: r.endMs, depth: 0, stepIndex: 1, tone: 'forward', outcome: 'ok', error: null, manual: r.manual }),
    );
    const scale = repairAwareColumnsScale(b.columns);
    expect(scale.breaks).toHaveLength(1);
    expect(scale).toEqual(repairAwareScale(rows));
  });
});
