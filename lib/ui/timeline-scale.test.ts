import { describe, expect, it } from 'vitest';
import { barBox, formatOffset, timeScale, timeTicks } from './timeline-scale';

describe('timeScale', () => {
  it('spans the earliest start to the latest end', () => {
    expect(timeScale([{ startMs: 100, endMs: 150 }, { startMs: 120, endMs: 300 }])).toEqual({ t0: 100, t1: 300, spanMs: 200 });
  });
  it('never has a zero span', () => {
    expect(timeScale([{ startMs: 5, endMs: 5 }]).spanMs).toBe(1);
    expect(timeScale([])).toEqual({ t0: 0, t1: 1, spanMs: 1 });
  });
  it('treats an end before the start as zero length', () => {
    expect(timeScale([{ startMs: 10, endMs: 0 }, { startMs: 0, endMs: 5 }])).toEqual({ t0: 0, t1: 10, spanMs: 10 });
  });
});

describe('barBox', () => {
  const scale = { t0: 1000, t1: 2000, spanMs: 1000 };
  it('positions bars as percentages of the track', () => {
    expect(barBox(scale, 1250, 1500)).toEqual({ leftPct: 25, widthPct: 25 });
  });
  it('clamps to the track', () => {
    // Only the part inside the track: a bar that began before a zoom window is not drawn longer than it shows.
    expect(barBox(scale, 900, 1100)).toEqual({ leftPct: 0, widthPct: 10 });
    expect(barBox(scale, 1900, 2500)).toEqual({ leftPct: 90, widthPct: 10 });
    expect(barBox(scale, 1500, 1400)).toEqual({ leftPct: 50, widthPct: 0 });
  });
});

describe('timeTicks', () => {
  it('picks a round step with at most maxTicks intervals', () => {
    const ticks = timeTicks(1000, 8);
    expect(ticks.map((t) => t.offsetMs)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(ticks.map((t) => t.label)).toEqual(['0', '200 ms', '400 ms', '600 ms', '800 ms', '1000 ms']);
    expect(ticks[5].pct).toBe(100);
  });
  it('uses seconds and minutes for longer spans', () => {
    expect(timeTicks(45_000, 6).map((t) => t.label)).toEqual(['0', '10 s', '20 s', '30 s', '40 s']);
    expect(timeTicks(3_600_000, 6).map((t) => t.label)).toEqual(['0', '10 min', '20 min', '30 min', '40 min', '50 min', '60 min']);
    expect(timeTicks(3_600_000, 4).map((t) => t.label)).toEqual(['0', '15 min', '30 min', '45 min', '60 min']);
  });
  it('handles sub-millisecond and multi-day spans', () => {
    expect(timeTicks(0.5, 5).map((t) => t.label)).toEqual(['0', '0.1 ms', '0.2 ms', '0.3 ms', '0.4 ms', '0.5 ms']);
    const days = timeTicks(30 * 86_400_000, 8);
    expect(days.length).toBeLessThanOrEqual(9);
    expect(days[1].offsetMs % 86_400_000).toBe(0);
  });
});

describe('formatOffset', () => {
  it('matches precision to the step', () => {
    expect(formatOffset(1500, 500)).toBe('1500 ms');
    expect(formatOffset(7500, 2500)).toBe('7.5 s');
    expect(formatOffset(7_200_000, 3_600_000)).toBe('2 h');
  });
});
