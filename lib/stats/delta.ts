/**
 * The rollup changes of one ingest batch: for each changed saga, its new
 * contribution minus the one stored with its summary. Both are sorted by key,
 * so the difference is one merge pass; only entries that changed become rows.
 * Rows of different sagas that share a key are summed before they are sent.
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

/** A changed entry with its name: [name, series, minute, k1, k2, k3, bucket, ...value changes]. */
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

export class RollupDelta {
  private readonly changes: Change[] = [];

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
    this.cached = null;
    const e = (next ?? old)!;
    const calls = (next ? next[6] : 0) - (old ? old[6] : 0);
    if (isCounts(e)) {
      const errors = (next ? next[7]! : 0) - (old ? old[7]! : 0);
      const retries = (next ? next[8]! : 0) - (old ? old[8]! : 0);
      const extra = (next ? next[9]! : 0) - (old ? old[9]! : 0);
      if (calls === 0 && errors === 0 && retries === 0 && extra === 0) return;
      this.changes.push([name, e[0], e[1], e[2], e[3], e[4], e[5], calls, errors, retries, extra]);
    } else if (calls !== 0) {
      this.changes.push([name, e[0], e[1], e[2], e[3], e[4], e[5], calls]);
    }
  }

  /**
   * The changes summed per row (sagas of one batch share minutes and steps, so
   * this shrinks what is sent to PostgreSQL many times); sorting puts equal rows side by side.
   */
  rows(): { counts: CountRows; latency: LatencyRows } {
    if (this.cached) return this.cached;
    const counts: CountRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], calls: [], errors: [], retries: [], extra: [] };
    const latency: LatencyRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], bucket: [], count: [] };
    const sorted = this.changes.sort(compareChanges);
    for (let i = 0; i < sorted.length; ) {
      let row = sorted[i]!;
      let j = i + 1;
      if (j < sorted.length && compareChanges(row, sorted[j]!) === 0) row = [...row] as Change; // sum into a copy: changes stay as recorded
      for (; j < sorted.length && compareChanges(row, sorted[j]!) === 0; j++) {
        for (let k = 7; k < row.length; k++) (row[k] as number) += sorted[j]![k] as number;
      }
      i = j;
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
