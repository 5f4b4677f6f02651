import { describe, expect, it } from 'vitest';
import { axisViewOf, parseAxisParams, writeAxisParams } from './timeline-axis-params';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const parse = (qs: string) => parseAxisParams(new URLSearchParams(qs));

describe('timeline axis params', () => {
  it('reads a window in µs after the start, and the collapse toggle', () => {
    expect(parse('from=200&to=10200000')).toEqual({ fromUs: 200, toUs: 10_200_000, collapse: true });
    expect(parse('idle=show')).toEqual({ fromUs: null, toUs: null, collapse: false });
    expect(axisViewOf(parse('from=1500&to=2500'), T0, T0 + 60_000)).toEqual({ window: [T0 + 1.5, T0 + 2.5], collapse: true });
    // One edge alone: the other is the timeline's.
    expect(axisViewOf(parse('from=1000000'), T0, T0 + 60_000).window).toEqual([T0 + 1000, T0 + 60_000]);
    expect(axisViewOf(parse('to=1000000'), T0, T0 + 60_000).window).toEqual([T0, T0 + 1000]);
  });

  it('ignores what it cannot read', () => {
    for (const qs of ['from=abc&to=5', 'from=-5', 'from=1.5', 'from=10&to=10', 'from=20&to=10', 'to=99999999999999999', 'idle=maybe', 'utm_source=slack']) {
      const p = parse(qs);
      expect(axisViewOf(p, T0, T0 + 1).window === null || p.fromUs !== null || p.toUs !== null).toBe(true);
      expect(p.collapse).toBe(true);
    }
    expect(parse('from=20&to=10')).toEqual({ fromUs: null, toUs: null, collapse: true });
    expect(parse('from=abc&to=5')).toEqual({ fromUs: null, toUs: 5, collapse: true });
    expect(parse('to=99999999999999999').toUs).toBeNull();
  });

  it('writes a view back, leaving other parameters and the defaults out', () => {
    const params = new URLSearchParams('span=00f067aa0ba902b7&utm_source=x');
    // Outwards to whole µs (an origin of 0 keeps the fractions exact).
    writeAxisParams(params, { window: [1.2345, 2.0001], collapse: false }, 0);
    expect(params.toString()).toBe('span=00f067aa0ba902b7&utm_source=x&from=1234&to=2001&idle=show');
    expect(parseAxisParams(params)).toEqual({ fromUs: 1234, toUs: 2001, collapse: false });
    writeAxisParams(params, { window: null, collapse: true }, T0);
    expect(params.toString()).toBe('span=00f067aa0ba902b7&utm_source=x');
  });
});
