import { describe, expect, it } from 'vitest';
import { edgeWidth, formatCount, formatRate, healthOf, MAX_EDGE_WIDTH, MIN_EDGE_WIDTH } from './health';

describe('health', () => {
  it('bands the error rate: green < 1 %, amber < 5 %, red from 5 %', () => {
    expect(healthOf(0, 0)).toBe('idle');
    expect(healthOf(1000, 0)).toBe('ok');
    expect(healthOf(1000, 9)).toBe('ok');
    expect(healthOf(1000, 10)).toBe('warn');
    expect(healthOf(1000, 49)).toBe('warn');
    expect(healthOf(1000, 50)).toBe('bad');
    expect(healthOf(1, 1)).toBe('bad');
  });

  it('widens edges on a log scale of calls, within bounds', () => {
    expect(edgeWidth(0, 100)).toBe(MIN_EDGE_WIDTH);
    expect(edgeWidth(1, 1)).toBe(MIN_EDGE_WIDTH);
    expect(edgeWidth(100_000, 100_000)).toBe(MAX_EDGE_WIDTH);
    const w = [1, 10, 100, 1000, 10_000, 100_000].map((c) => edgeWidth(c, 100_000));
    for (let i = 1; i < w.length; i++) expect(w[i]!).toBeGreaterThan(w[i - 1]!);
    // Log scale: every tenfold adds about the same width.
    expect(Math.abs(w[3]! - w[2]! - (w[2]! - w[1]!))).toBeLessThan(0.3);
  });

  it('formats rates and counts', () => {
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('0 %');
    expect(formatRate(0.0042)).toBe('0.42 %');
    expect(formatRate(0.031)).toBe('3.1 %');
    expect(formatRate(0.5)).toBe('50 %');
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.2k');
    expect(formatCount(12_345)).toBe('12k');
    expect(formatCount(4_100_000)).toBe('4.1M');
  });
});
