import { describe, expect, it } from 'vitest';
import { RollupDelta, type CountRows, type LatencyRows } from './delta';
import { compareKeys, type Contribution, type Entry } from './contribution';
import { prng } from '../../test/support/saga-fixtures';

/**
 * The plain definition the summing RollupDelta must match row for row: every
 * non-zero change recorded, all of them sorted by (name, key), equal keys summed.
 */
class SortingDelta {
  private readonly changes: [string, ...Entry][] = [];
  change(old: Contribution | null, next: Contribution | null): void {
    if (old && next && old.name !== next.name) {
      this.change(old, null);
      this.change(null, next);
      return;
    }
    const name = (next ?? old)?.name ?? '';
    const a = old?.entries ?? [];
    const b = next?.entries ?? [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const c = i < a.length && j < b.length ? compareKeys(a[i]!, b[j]!) : i < a.length ? -1 : 1;
      const o = c <= 0 ? a[i++]! : null;
      const n = c >= 0 ? b[j++]! : null;
      const e = (n ?? o)!;
      const values = (e[5] < 0 ? [6, 7, 8, 9] : [6]).map((k) => ((n?.[k] as number) ?? 0) - ((o?.[k] as number) ?? 0));
      if (values.some((v) => v !== 0)) this.changes.push([name, ...e.slice(0, 6), ...values] as [string, ...Entry]);
    }
  }
  rows(): { counts: CountRows; latency: LatencyRows } {
    const cmp = (x: [string, ...Entry], y: [string, ...Entry]) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : compareKeys(x.slice(1) as Entry, y.slice(1) as Entry));
    const sorted = [...this.changes].sort(cmp);
    const counts: CountRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], calls: [], errors: [], retries: [], extra: [] };
    const latency: LatencyRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], bucket: [], count: [] };
    for (let i = 0; i < sorted.length; ) {
      const row = [...sorted[i]!];
      let j = i + 1;
      for (; j < sorted.length && cmp(row as [string, ...Entry], sorted[j]!) === 0; j++) for (let k = 7; k < row.length; k++) (row[k] as number) += sorted[j]![k] as number;
      i = j;
      const [name, series, minute, k1, k2, k3, bucket, v1, v2, v3, v4] = row as [string, ...Entry];
      if (bucket < 0 && (v1 !== 0 || v2 !== 0 || v3 !== 0 || v4 !== 0)) {
        Object.entries({ series, minute, name, k1, k2, k3, calls: v1, errors: v2, retries: v3, extra: v4 }).forEach(([k, v]) => (counts[k as keyof CountRows] as unknown[]).push(v));
      } else if (bucket >= 0 && v1 !== 0) {
        Object.entries({ series, minute, name, k1, k2, k3, bucket, count: v1 }).forEach(([k, v]) => (latency[k as keyof LatencyRows] as unknown[]).push(v));
      }
    }
    return { counts, latency };
  }
}

/** Contributions over few names, keys and minutes (so that rows collide), some minutes far apart. */
function randomContribution(rand: () => number): Contribution {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const entries: Entry[] = [];
  const base = pick([0, 28_333_333, 28_333_333, -5, 2 ** 40]);
  for (let n = Math.floor(rand() * 12); n > 0; n--) {
    const key: Entry = [pick([1, 2, 3, 4, 5, 6, 17]), base + Math.floor(rand() * 3) * pick([1, 1, 40_000]), pick(['a', 'b', '']), pick(['x', '', 'y"']), pick(['', 'op']), pick([-1, -1, 0, 3, 280, 2000]), 0];
    const v = () => Math.floor(rand() * 5) - 1;
    entries.push(key[5] < 0 ? [key[0], key[1], key[2], key[3], key[4], key[5], v(), v(), v(), v()] : [key[0], key[1], key[2], key[3], key[4], key[5], v()]);
  }
  const sorted = entries.sort(compareKeys).filter((e, i, all) => i === 0 || compareKeys(all[i - 1]!, e) !== 0);
  return { name: pick(['checkout', 'refund', '']), entries: sorted };
}

describe('RollupDelta sums changes per row as they come', () => {
  it('gives the rows of sorting and summing every change (random contributions, renames, far-apart minutes)', () => {
    const rand = prng(11);
    for (let round = 0; round < 300; round++) {
      const fast = new RollupDelta();
      const slow = new SortingDelta();
      for (let n = Math.floor(rand() * 25); n > 0; n--) {
        const old = rand() < 0.3 ? null : randomContribution(rand);
        const next = rand() < 0.2 ? null : rand() < 0.2 && old ? old : randomContribution(rand);
        fast.change(old, next);
        slow.change(old, next);
        if (rand() < 0.1) expect(fast.rows()).toEqual(slow.rows()); // rows() between changes
      }
      expect(fast.rows()).toEqual(slow.rows());
    }
  });

  it('changes that cancel out leave no row', () => {
    const rand = prng(3);
    const c = randomContribution(rand);
    const d = new RollupDelta();
    d.change(null, c);
    d.change(c, null);
    expect(d.empty).toBe(true);
  });
});
