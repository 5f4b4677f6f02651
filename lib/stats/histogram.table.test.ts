import { describe, expect, it } from 'vitest';
import { bucketOf, lowerBound, upperBound, BUCKETS_PER_DOUBLING, MAX_BUCKET, MIN_MS } from './histogram';

/** bucketOf with every bound computed, as it was before the bounds were tabulated. */
function computed(ms: number): number {
  if (!(ms >= MIN_MS)) return 0;
  const i = Math.floor(Math.log2(ms / MIN_MS) * BUCKETS_PER_DOUBLING) + 1;
  const fixed = ms < lowerBound(i) ? i - 1 : ms >= lowerBound(i + 1) ? i + 1 : i;
  return Math.min(fixed, MAX_BUCKET);
}

describe('bucketOf with tabulated bounds', () => {
  it('agrees with the computed bounds at, around and between every bound, and past the last bucket', () => {
    const values: number[] = [NaN, -1, 0, Infinity, 1e300, Number.MAX_VALUE, MIN_MS * (1 - 1e-15)];
    for (let b = 0; b <= MAX_BUCKET + 2; b++) {
      const lo = lowerBound(b);
      const hi = upperBound(b);
      values.push(lo, lo * (1 + 1e-15), lo * (1 - 1e-15), (lo + Math.min(hi, lo * 2)) / 2, Math.round(lo * 1000) / 1000);
    }
    for (let ms = 0; ms < 5_000; ms += 0.037) values.push(Math.round(ms * 1000) / 1000);
    for (const v of values) expect(bucketOf(v)).toBe(computed(v));
  });
});
