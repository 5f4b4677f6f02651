/**
 * Which rollup tables answer a time range. Whole hours come from the hourly
 * tables (about 60× fewer rows); the minutes before the first and after the
 * last whole hour from the per-minute tables. A chart whose bucket is a whole
 * number of hours reads hourly rows only (its range is aligned to the bucket).
 * The results are identical either way: the hourly rows are sums of the minutes.
 */
const HOUR = 3_600_000;

export type Grain = 'minute' | 'hour';

export interface Source {
  grain: Grain;
  fromMs: number;
  toMs: number;
}

export function rangeSources(fromMs: number, toMs: number): Source[] {
  const h1 = Math.ceil(fromMs / HOUR) * HOUR;
  const h2 = Math.floor(toMs / HOUR) * HOUR;
  if (h1 >= h2) return [{ grain: 'minute', fromMs, toMs }];
  const out: Source[] = [];
  if (fromMs < h1) out.push({ grain: 'minute', fromMs, toMs: h1 });
  out.push({ grain: 'hour', fromMs: h1, toMs: h2 });
  if (h2 < toMs) out.push({ grain: 'minute', fromMs: h2, toMs });
  return out;
}

/** Sources for a chart with `bucketMinutes` buckets over a range aligned to them. */
export function bucketSources(fromMs: number, toMs: number, bucketMinutes: number): Source[] {
  return bucketMinutes % 60 === 0 ? [{ grain: 'hour', fromMs, toMs }] : [{ grain: 'minute', fromMs, toMs }];
}

export const TABLES: Record<Grain, { counts: string; latency: string; time: string }> = {
  minute: { counts: 'rollup_counts_all', latency: 'rollup_latency_all', time: 'minute' },
  hour: { counts: 'rollup_counts_hourly_all', latency: 'rollup_latency_hourly_all', time: 'hour' },
};
