import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeIntColumn, encodeIntColumn } from './int-column';

const roundTrip = (xs: number[]) => decodeIntColumn(JSON.parse(JSON.stringify(encodeIntColumn(xs))), xs.length, 'col');

describe('encodeIntColumn / decodeIntColumn', () => {
  it('round-trips any safe integers, after JSON', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.maxSafeInteger(), fc.integer()), { maxLength: 300 }), (xs) => {
        expect(roundTrip(xs)).toEqual(xs);
      }),
    );
    // Differences beyond 2^53 are not exact (a counterexample fast-check found).
    expect(roundTrip([2160150444387911, -6932751155736736, -1000000000000000])).toEqual([2160150444387911, -6932751155736736, -1000000000000000]);
    expect(roundTrip([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])).toEqual([
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    ]);
  });

  it('picks the short forms for runs and steady climbs', () => {
    expect(encodeIntColumn(new Array(50_000).fill(1))).toEqual([2, 1, 50_000]);
    expect(encodeIntColumn(Array.from({ length: 50_000 }, (_, i) => 7 + 2 * i))).toEqual([3, 7, 1, 2, 49_999]);
    expect(encodeIntColumn([5, 9, 2])[0]).toBe(0);
    expect(encodeIntColumn([])).toEqual([0]);
  });

  it('refuses what it cannot encode', () => {
    expect(() => encodeIntColumn([1.5])).toThrow();
    expect(() => encodeIntColumn([NaN])).toThrow();
    expect(() => encodeIntColumn([2 ** 60])).toThrow();
  });

  it.each([
    ['not an array', 'x', 1],
    ['an empty array', [], 0],
    ['an unknown form', [9, 1], 1],
    ['too few values', [0, 1], 2],
    ['too many values', [0, 1, 2], 1],
    ['a fraction', [0, 1.5], 1],
    ['a string', [1, '1'], 1],
    ['markup', [0, '<img src=x onerror=alert(1)>'], 1],
    ['a run list of odd length', [2, 1], 1],
    ['a zero-length run', [2, 1, 0, 1, 1], 1],
    ['a run longer than the column (no huge allocation)', [2, 1, 1e15], 3],
    ['runs short of the column', [3, 1, 2], 3],
    ['deltas leaving the safe range', [1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], 2],
  ])('refuses %s', (_, input, n) => {
    expect(() => decodeIntColumn(input, n, 'col')).toThrow(/col/);
  });
});
