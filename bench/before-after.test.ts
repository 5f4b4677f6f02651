import { describe, expect, it } from 'vitest';
import { compare, figureLines } from './before-after';

describe('before-after figure lines', () => {
  it('keys a line by its shape with the numbers blanked, and reads the numbers', () => {
    const lines = figureLines('query   n  p50\n/api/sagas?limit=50    200   12.5   30.1\nno digits here\n');
    expect([...lines.entries()]).toEqual([['query n p#', [[50]]], ['/api/sagas?limit=# # # #', [[50, 200, 12.5, 30.1]]]]);
  });

  it('compares the medians of each side, skipping lines not printed once by every run and lines that never differ', () => {
    const run = (p50: number, extra = '') => `interactive p50 ${p50} ms\nsteps 50,000\n${extra}`;
    const rows = compare([run(100), run(120), run(110)], [run(90, 'only here 1'), run(99), run(95)]);
    expect(rows).toEqual([{ shape: 'interactive p# # ms', base: [50, 110], head: [50, 95], ratio: [1, 95 / 110] }]);
  });
});
