/**
 * The trace page's collapsible span tree, over the rows the timeline already has
 * in tree order (depth-first, lib/ui/trace-columns.ts) with their depths.
 *
 * A node's subtree is the run of rows after it that are deeper than it, so the
 * whole tree is two integer columns computed once (subtree end, parent) and a
 * collapsed state is a set of row indices. What is drawn is a list of row
 * indices: the chart stays virtualised, one row per visible span, and a toggle
 * costs one pass over the rows (~1 ms at 50,000 spans), never a re-render of
 * them all. Pure: no React, unit-tested beside.
 */

export interface SpanTree {
  readonly size: number;
  /** end[i]: one past the last row of i's subtree (i + 1 for a leaf). */
  readonly end: Int32Array;
  /** parent[i]: the row of i's parent, -1 for a root. */
  readonly parent: Int32Array;
  readonly depth: ArrayLike<number>;
}

export function buildSpanTree(depth: ArrayLike<number>): SpanTree {
  const n = depth.length;
  const end = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  // Rows whose subtree is still open, shallowest first.
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    while (open.length > 0 && depth[open[open.length - 1]!]! >= depth[i]!) end[open.pop()!] = i;
    if (open.length > 0) parent[i] = open[open.length - 1]!;
    open.push(i);
  }
  for (const i of open) end[i] = n;
  return { size: n, end, parent, depth };
}

export const hasChildren = (t: SpanTree, i: number): boolean => t.end[i]! > i + 1;

/** Rows with children: what "Collapse all" collapses. */
export function expandableRows(t: SpanTree): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < t.size; i++) if (hasChildren(t, i)) out.add(i);
  return out;
}

/** Rows shown when `collapsed` rows hide their descendants, in tree order. */
export function visibleRows(t: SpanTree, collapsed: ReadonlySet<number>): Int32Array {
  if (collapsed.size === 0) return Int32Array.from({ length: t.size }, (_, i) => i);
  const out = new Int32Array(t.size);
  let k = 0;
  for (let i = 0; i < t.size; ) {
    out[k++] = i;
    i = collapsed.has(i) ? t.end[i]! : i + 1;
  }
  return out.slice(0, k);
}

/** Rows shown when only `matches` and the path down to each are kept (the search's filter), in tree order. */
export function matchingRows(t: SpanTree, matches: readonly number[]): Int32Array {
  const keep = new Uint8Array(t.size);
  for (const m of matches) {
    for (let i = m; i >= 0 && keep[i] === 0; i = t.parent[i]!) keep[i] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < t.size; i++) if (keep[i]) out.push(i);
  return Int32Array.from(out);
}

/** `collapsed` without the ancestors of `row`, so that row is visible; the same set when nothing hid it. */
export function reveal(t: SpanTree, collapsed: ReadonlySet<number>, row: number): ReadonlySet<number> {
  let next: Set<number> | null = null;
  for (let p = t.parent[row] ?? -1; p >= 0; p = t.parent[p]!) {
    if (collapsed.has(p)) (next ??= new Set(collapsed)).delete(p);
  }
  return next ?? collapsed;
}

/** The collapsed row that hides `row` (its shallowest collapsed ancestor), or -1 when it is visible. */
export function hiddenBy(t: SpanTree, collapsed: ReadonlySet<number>, row: number): number {
  let by = -1;
  for (let p = t.parent[row] ?? -1; p >= 0; p = t.parent[p]!) if (collapsed.has(p)) by = p;
  return by;
}

/** row → its position among `visible`, -1 when hidden. */
export function positionsOf(size: number, visible: Int32Array): Int32Array {
  const pos = new Int32Array(size).fill(-1);
  for (let k = 0; k < visible.length; k++) pos[visible[k]!] = k;
  return pos;
}

/** Number of descendants of `row` (shown as "+n" on a collapsed row). */
export const descendantCount = (t: SpanTree, row: number): number => t.end[row]! - row - 1;
