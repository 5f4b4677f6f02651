/**
 * The rollup changes of one ingest batch: for each changed saga, its new
 * contribution minus the one stored with its summary. Both are sorted by key,
 * so the difference is one merge pass; only entries that changed become rows.
 * Rows of different sagas that share a key are summed as they are recorded
 * (in recording order), and sent sorted by (name, key).
 * A saga that changed name moves all its counts from the old name to the new.
 */
import { compareKeys, isCounts, type Contribution, type Entry } from './contribution';

export interface CountRows {
  series: number[]; minute: number[]; name: string[]; k1: string[]; k2: string[]; k3: string[];
  calls: number[]; errors: number[]; retries: number[]; extra: number[];
}
export interface LatencyRows {
  series: number[]; minute: number[]; name: string[]; k1: string[]; k2: string[]; k3: string[];
  bucket: number[]; count: number[];
}

/** A row with its name: [name, series, minute, k1, k2, k3, bucket, ...summed value changes]. */
type Change = [string, ...Entry];

function compareChanges(a: Change, b: Change): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] - b[1];
  if (a[2] !== b[2]) return a[2] - b[2];
  if (a[3] !== b[3]) return a[3] < b[3] ? -1 : 1;
  if (a[4] !== b[4]) return a[4] < b[4] ? -1 : 1;
  if (a[5] !== b[5]) return a[5] < b[5] ? -1 : 1;
  return a[6] - b[6];
}

/**
 * The rows of one (name, k1, k2, k3) by (series, minute, bucket). Keys are
 * numbers relative to the delta's first minute while they fit a small integer
 * (every realistic batch), else strings; either way one key per distinct triple.
 */
type Group = Map<number | string, Change>;

export class RollupDelta {
  /**
   * Changes are summed per row as they are recorded: a batch's sagas share
   * minutes, steps and services, so the distinct rows are a small fraction of
   * the changes, and only those are sorted. Sorting every change (string
   * comparisons included) was most of the rollup work of an ingest batch.
   * Levels: name → k1 → k2 → k3 → group.
   */
  private readonly byName = new Map<string, Map<string, Map<string, Map<string, Group>>>>();
  /** Summed rows, in the order their keys were first seen. */
  private readonly summed: Change[] = [];
  private baseMinute = NaN;
  // The group of the previous change: a contribution's entries come sorted, so
  // a step's counts and its latency buckets arrive one after another.
  private lastName: string | null = null;
  private lastK1 = '';
  private lastK2 = '';
  private lastK3 = '';
  private lastGroup: Group | null = null;

  /** Records `next − old` (either may be null: a new saga, a removed one). */
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
      if (c < 0) this.push(name, a[i++]!, null);
      else if (c > 0) this.push(name, null, b[j++]!);
      else this.push(name, a[i++]!, b[j++]!);
    }
  }

  // No closures here: this runs per entry, and tsx wraps every closure in a naming helper.
  private push(name: string, old: Entry | null, next: Entry | null): void {
    const e = (next ?? old)!;
    const calls = (next ? next[6] : 0) - (old ? old[6] : 0);
    if (isCounts(e)) {
      const errors = (next ? next[7]! : 0) - (old ? old[7]! : 0);
      const retries = (next ? next[8]! : 0) - (old ? old[8]! : 0);
      const extra = (next ? next[9]! : 0) - (old ? old[9]! : 0);
      if (calls === 0 && errors === 0 && retries === 0 && extra === 0) return;
      this.cached = null;
      const row = this.rowOf(name, e);
      if (row === undefined) this.add(name, e, [name, e[0], e[1], e[2], e[3], e[4], e[5], calls, errors, retries, extra]);
      else {
        (row[7] as number) += calls;
        (row[8] as number) += errors;
        (row[9] as number) += retries;
        (row[10] as number) += extra;
      }
    } else if (calls !== 0) {
      this.cached = null;
      const row = this.rowOf(name, e);
      if (row === undefined) this.add(name, e, [name, e[0], e[1], e[2], e[3], e[4], e[5], calls]);
      else (row[7] as number) += calls;
    }
  }

  /** The summed row of e's key so far, if any; leaves lastGroup at e's group (created when missing). */
  private rowOf(name: string, e: Entry): Change | undefined {
    let group = this.lastGroup;
    if (group === null || name !== this.lastName || e[2] !== this.lastK1 || e[3] !== this.lastK2 || e[4] !== this.lastK3) {
      let byK1 = this.byName.get(name);
      if (byK1 === undefined) this.byName.set(name, (byK1 = new Map()));
      let byK2 = byK1.get(e[2]);
      if (byK2 === undefined) byK1.set(e[2], (byK2 = new Map()));
      let byK3 = byK2.get(e[3]);
      if (byK3 === undefined) byK2.set(e[3], (byK3 = new Map()));
      let found = byK3.get(e[4]);
      if (found === undefined) byK3.set(e[4], (found = new Map()));
      this.lastGroup = group = found;
      this.lastName = name;
      this.lastK1 = e[2];
      this.lastK2 = e[3];
      this.lastK3 = e[4];
    }
    return group.get(this.keyOf(e));
  }

  private add(name: string, e: Entry, row: Change): void {
    this.lastGroup!.set(this.keyOf(e), row);
    this.summed.push(row);
  }

  /** One key per (series, minute, bucket) within a group. */
  private keyOf(e: Entry): number | string {
    const [series, minute, , , , bucket] = e;
    if (this.baseMinute !== this.baseMinute) this.baseMinute = minute;
    const m = minute - this.baseMinute;
    // (m, series, bucket) packed into a small integer when each part fits its field.
    if (m >= -32_768 && m < 32_768 && Number.isInteger(m) && series >= 0 && series < 16 && Number.isInteger(series) &&
      bucket >= -1 && bucket < 1023 && Number.isInteger(bucket)) {
      return ((m + 32_768) * 16 + series) * 1024 + bucket + 1;
    }
    return series + ' ' + minute + ' ' + bucket;
  }

  /**
   * The changes summed per row (sagas of one batch share minutes and steps, so
   * this shrinks what is sent to PostgreSQL many times), in key order; rows
   * whose changes cancel out are left out.
   */
  rows(): { counts: CountRows; latency: LatencyRows } {
    if (this.cached) return this.cached;
    const counts: CountRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], calls: [], errors: [], retries: [], extra: [] };
    const latency: LatencyRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], bucket: [], count: [] };
    const sorted = [...this.summed].sort(compareChanges);
    for (const row of sorted) {
      const [name, series, minute, k1, k2, k3, bucket, v1, v2, v3, v4] = row;
      if (bucket < 0) {
        if (v1 === 0 && v2 === 0 && v3 === 0 && v4 === 0) continue;
        counts.series.push(series); counts.minute.push(minute); counts.name.push(name);
        counts.k1.push(k1); counts.k2.push(k2); counts.k3.push(k3);
        counts.calls.push(v1); counts.errors.push(v2!); counts.retries.push(v3!); counts.extra.push(v4!);
      } else if (v1 !== 0) {
        latency.series.push(series); latency.minute.push(minute); latency.name.push(name);
        latency.k1.push(k1); latency.k2.push(k2); latency.k3.push(k3); latency.bucket.push(bucket); latency.count.push(v1);
      }
    }
    this.cached = { counts, latency };
    return this.cached;
  }
  private cached: { counts: CountRows; latency: LatencyRows } | null = null;

  get empty(): boolean {
    const r = this.rows();
    return r.counts.series.length === 0 && r.latency.series.length === 0;
  }
}
