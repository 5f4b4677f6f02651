import { describe, expect, it } from 'vitest';
import {
  buildSpanTree,
  descendantCount,
  expandableRows,
  hasChildren,
  hiddenBy,
  matchingRows,
  positionsOf,
  reveal,
  visibleRows,
} from './span-tree';

// 0 root
//   1 a
//     2 a1
//     3 a2
//       4 a2x
//   5 b
// 6 second root
//   7 c
const DEPTH = [0, 1, 2, 2, 3, 1, 0, 1];
const t = buildSpanTree(DEPTH);
const list = (a: Int32Array) => [...a];

describe('span tree', () => {
  it('finds each subtree end and parent from the depths', () => {
    expect(list(t.end)).toEqual([6, 5, 3, 5, 5, 6, 8, 8]);
    expect(list(t.parent)).toEqual([-1, 0, 1, 1, 3, 0, -1, 6]);
    expect([0, 1, 2, 4, 5].map((i) => hasChildren(t, i))).toEqual([true, true, false, false, false]);
    expect([...expandableRows(t)]).toEqual([0, 1, 3, 6]);
    expect(descendantCount(t, 0)).toBe(5);
    expect(descendantCount(t, 2)).toBe(0);
  });

  it('a collapsed row hides its whole subtree and nothing else', () => {
    expect(list(visibleRows(t, new Set()))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(list(visibleRows(t, new Set([1])))).toEqual([0, 1, 5, 6, 7]);
    expect(list(visibleRows(t, new Set([3])))).toEqual([0, 1, 2, 3, 5, 6, 7]);
    // A collapsed row inside a collapsed subtree stays collapsed when its ancestor opens.
    expect(list(visibleRows(t, new Set([0, 3])))).toEqual([0, 6, 7]);
    expect(list(visibleRows(t, new Set([3])))).toEqual([0, 1, 2, 3, 5, 6, 7]);
    // Collapse all: the roots only.
    expect(list(visibleRows(t, expandableRows(t)))).toEqual([0, 6]);
  });

  it('reveals a hidden row by opening exactly its collapsed ancestors', () => {
    const collapsed = new Set([0, 3, 6]);
    expect(hiddenBy(t, collapsed, 4)).toBe(0);
    const opened = reveal(t, collapsed, 4);
    expect([...opened].sort()).toEqual([6]);
    expect(list(visibleRows(t, opened))).toContain(4);
    expect(hiddenBy(t, opened, 4)).toBe(-1);
    // Nothing to open: the same set back (no state change, no re-render).
    expect(reveal(t, opened, 2)).toBe(opened);
  });

  it('keeps matches and the path down to them for the search filter', () => {
    expect(list(matchingRows(t, [4]))).toEqual([0, 1, 3, 4]);
    expect(list(matchingRows(t, [7, 2]))).toEqual([0, 1, 2, 6, 7]);
    expect(list(matchingRows(t, []))).toEqual([]);
  });

  it('maps rows to their visible positions', () => {
    const v = visibleRows(t, new Set([1]));
    expect(list(positionsOf(8, v))).toEqual([0, 1, -1, -1, -1, 2, 3, 4]);
  });

  it('copes with depths that jump (a parent missing from the trace) and with 50,000 rows', () => {
    const jump = buildSpanTree([0, 2, 1, 0]);
    expect(list(jump.parent)).toEqual([-1, 0, 0, -1]);
    expect(list(jump.end)).toEqual([3, 2, 3, 4]);
    const n = 50_000;
    const deep = buildSpanTree(Array.from({ length: n }, (_, i) => i % 50));
    const started = performance.now();
    expect(visibleRows(deep, new Set([0])).length).toBe(n - 49);
    expect(visibleRows(deep, expandableRows(deep)).length).toBe(n / 50);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
