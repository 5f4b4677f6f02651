/**
 * Fixed log-scale latency buckets shared by every rollup. Bucket 0 holds
 * [0, 0.01 ms); bucket i ≥ 1 holds [0.01·2^((i−1)/8), 0.01·2^(i/8)) ms, so a
 * bucket is 9.05 % wide and bucket 280 ends past 3 days (longer values share it).
 *
 * Because the bounds are fixed, histograms merge by adding counts (rows of
 * `rollup_latency` are SUMmed over any range) and a percentile is exact to its
 * bucket: it is reported as the bucket's geometric midpoint, which is within
 * ERROR_BOUND (2^(1/16) − 1 ≈ 4.43 %) of every value the bucket can hold.
 * Values in bucket 0 are reported as 0.005 ms (absolute error < 0.005 ms).
 */
export const BUCKETS_PER_DOUBLING = 8;
export const MIN_MS = 0.01;
export const MAX_BUCKET = 280;
/** Worst relative error of a reported percentile for values ≥ MIN_MS. */
export const ERROR_BOUND = 2 ** (1 / (2 * BUCKETS_PER_DOUBLING)) - 1;

export function bucketOf(ms: number): number {
  if (!(ms >= MIN_MS)) return 0; // also NaN and negatives (clock skew): the lowest bucket
  const i = Math.floor(Math.log2(ms / MIN_MS) * BUCKETS_PER_DOUBLING) + 1;
  // log2 rounding can put an exact bound one bucket low or high: correct against the bounds.
  const lo = i < LOWER_BOUNDS.length ? LOWER_BOUNDS[i]! : lowerBound(i);
  const fixed = ms < lo ? i - 1 : ms >= (i + 1 < LOWER_BOUNDS.length ? LOWER_BOUNDS[i + 1]! : lowerBound(i + 1)) ? i + 1 : i;
  return Math.min(fixed, MAX_BUCKET);
}

export function lowerBound(bucket: number): number {
  return bucket <= 0 ? 0 : MIN_MS * 2 ** ((bucket - 1) / BUCKETS_PER_DOUBLING);
}

/** lowerBound(0 … MAX_BUCKET + 1), computed once: bucketOf runs for every step and edge ingest sees. */
const LOWER_BOUNDS = Float64Array.from({ length: MAX_BUCKET + 2 }, (_, i) => lowerBound(i));

export function upperBound(bucket: number): number {
  return bucket >= MAX_BUCKET ? Infinity : MIN_MS * 2 ** (bucket / BUCKETS_PER_DOUBLING);
}

/** The value a percentile in this bucket is reported as. */
export function representative(bucket: number): number {
  if (bucket <= 0) return MIN_MS / 2;
  if (bucket >= MAX_BUCKET) return lowerBound(MAX_BUCKET);
  return MIN_MS * 2 ** ((bucket - 0.5) / BUCKETS_PER_DOUBLING);
}

/** A histogram: bucket → count. Sparse; zero and negative counts are ignored when reading. */
export type Histogram = Map<number, number>;

export function addTo(h: Histogram, bucket: number, count = 1): void {
  h.set(bucket, (h.get(bucket) ?? 0) + count);
}

export function merge(...hs: readonly Histogram[]): Histogram {
  const out: Histogram = new Map();
  for (const h of hs) for (const [b, c] of h) addTo(out, b, c);
  return out;
}

export function total(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) if (c > 0) n += c;
  return n;
}

/**
 * Nearest-rank percentiles (q in (0, 1]): the smallest value with at least
 * ⌈q·n⌉ values at or below it, reported as its bucket's representative.
 * Null for an empty histogram.
 */
export function percentiles(h: Histogram, qs: readonly number[]): (number | null)[] {
  const buckets = [...h.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const n = buckets.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return qs.map(() => null);
  return qs.map((q) => {
    const rank = Math.max(1, Math.ceil(q * n));
    let seen = 0;
    for (const [b, c] of buckets) {
      seen += c;
      if (seen >= rank) return representative(b);
    }
    return representative(buckets[buckets.length - 1]![0]);
  });
}
