/**
 * Accumulates rollup changes of one ingest batch: + the new contribution of each
 * changed saga, − the contribution it had before (stored with its summary).
 * Rows are keyed with the saga name, so a saga that learns its name moves its
 * counts from '' to the name.
 */
import type { Contribution, Counts } from './contribution';

export interface CountRows {
  series: number[]; minute: number[]; name: string[]; k1: string[]; k2: string[]; k3: string[];
  calls: number[]; errors: number[]; retries: number[]; extra: number[];
}
export interface LatencyRows {
  series: number[]; minute: number[]; name: string[]; k1: string[]; k2: string[]; k3: string[];
  bucket: number[]; count: number[];
}

export class RollupDelta {
  private readonly counts = new Map<string, Counts>();
  private readonly latency = new Map<string, number>();

  add(c: Contribution | null, sign: 1 | -1): void {
    if (!c) return;
    const name = JSON.stringify(c.name);
    for (const [k, v] of c.counts) {
      const key = '[' + name + ',' + k.slice(1);
      const cur = this.counts.get(key);
      if (cur) for (let i = 0; i < 4; i++) cur[i]! += sign * v[i]!;
      else this.counts.set(key, [sign * v[0], sign * v[1], sign * v[2], sign * v[3]]);
    }
    for (const [k, v] of c.latency) {
      const key = '[' + name + ',' + k.slice(1);
      this.latency.set(key, (this.latency.get(key) ?? 0) + sign * v);
    }
  }

  /** Rows with a non-zero change, sorted by key (one lock order for concurrent writers). */
  countRows(): CountRows {
    const out: CountRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], calls: [], errors: [], retries: [], extra: [] };
    for (const key of [...this.counts.keys()].sort()) {
      const v = this.counts.get(key)!;
      if (v.every((x) => x === 0)) continue;
      const [name, series, minute, k1, k2, k3] = JSON.parse(key) as [string, number, number, string, string, string];
      out.series.push(series); out.minute.push(minute); out.name.push(name);
      out.k1.push(k1); out.k2.push(k2); out.k3.push(k3);
      out.calls.push(v[0]); out.errors.push(v[1]); out.retries.push(v[2]); out.extra.push(v[3]);
    }
    return out;
  }

  latencyRows(): LatencyRows {
    const out: LatencyRows = { series: [], minute: [], name: [], k1: [], k2: [], k3: [], bucket: [], count: [] };
    for (const key of [...this.latency.keys()].sort()) {
      const v = this.latency.get(key)!;
      if (v === 0) continue;
      const [name, series, minute, k1, k2, k3, bucket] = JSON.parse(key) as [string, number, number, string, string, string, number];
      out.series.push(series); out.minute.push(minute); out.name.push(name);
      out.k1.push(k1); out.k2.push(k2); out.k3.push(k3); out.bucket.push(bucket); out.count.push(v);
    }
    return out;
  }

  get empty(): boolean {
    return this.countRows().series.length === 0 && this.latencyRows().series.length === 0;
  }
}
