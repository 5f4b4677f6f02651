import { describe, expect, it } from 'vitest';
import { bucketOf, ERROR_BOUND, lowerBound, MAX_BUCKET, merge, percentiles, representative, upperBound, addTo, type Histogram } from './histogram';
import { seededRandom } from '../random';

/** Exact nearest-rank percentile: the ⌈q·n⌉-th smallest value. */
function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

function histogramOf(values: readonly number[]): Histogram {
  const h: Histogram = new Map();
  for (const v of values) addTo(h, bucketOf(v));
  return h;
}

const QS = [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

const distributions: Record<string, (r: () => number) => number> = {
  uniform: (r) => r() * 2000,
  'log-normal': (r) => Math.exp(3 + 1.5 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  bimodal: (r) => (r() < 0.9 ? 5 + r() * 10 : 3000 + r() * 30_000),
  'heavy tail': (r) => 1 / (1 - r() * 0.9999),
  'sub-millisecond': (r) => 0.01 + r() * 0.9,
};

describe('latency buckets', () => {
  it('every value falls inside its bucket, and buckets are contiguous', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 50_000; i++) {
      const v = 10 ** (r() * 11 - 2); // 0.01 ms .. 1e9 ms
      const b = bucketOf(v);
      expect(v).toBeGreaterThanOrEqual(lowerBound(b));
      if (b < MAX_BUCKET) expect(v).toBeLessThan(upperBound(b));
    }
    for (let b = 1; b < MAX_BUCKET; b++) expect(upperBound(b)).toBeCloseTo(lowerBound(b + 1), 9);
  });

  it('exact bucket bounds land in the bucket they open', () => {
    for (let b = 1; b < MAX_BUCKET; b++) expect(bucketOf(lowerBound(b))).toBe(b);
  });

  it('zero, negative (clock skew), NaN and huge values get a bucket instead of failing', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e15)).toBe(MAX_BUCKET);
    expect(bucketOf(Infinity)).toBe(MAX_BUCKET);
  });

  it('a bucket is 9.05 % wide and its representative is within ERROR_BOUND of both ends', () => {
    expect(ERROR_BOUND).toBeCloseTo(0.0443, 4);
    for (const b of [1, 50, 150, 279]) {
      expect(upperBound(b) / lowerBound(b)).toBeCloseTo(2 ** (1 / 8), 9);
      expect(representative(b) / lowerBound(b) - 1).toBeLessThanOrEqual(ERROR_BOUND + 1e-12);
      expect(1 - representative(b) / upperBound(b)).toBeLessThanOrEqual(ERROR_BOUND + 1e-12);
    }
  });
});

describe('percentiles against exact nearest-rank percentiles on random data', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    it(`${name}: relative error ≤ ${(ERROR_BOUND * 100).toFixed(2)} % for every percentile`, () => {
      for (const seed of [1, 2, 3]) {
        const r = seededRandom(seed * 101);
        const values = Array.from({ length: 20_000 }, () => draw(r));
        const sorted = [...values].sort((a, b) => a - b);
        const got = percentiles(histogramOf(values), QS);
        QS.forEach((q, i) => {
          const want = exact(sorted, q);
          expect(Math.abs(got[i]! - want) / want, `${name} seed ${seed} p${q * 100}: got ${got[i]}, exact ${want}`).toBeLessThanOrEqual(ERROR_BOUND + 1e-12);
        });
      }
    });
  }

  it('merging per-minute histograms gives the percentiles of all the data (merge is exact)', () => {
    const r = seededRandom(99);
    const minutes = Array.from({ length: 60 }, () => Array.from({ length: 1 + Math.floor(r() * 300) }, () => distributions['log-normal']!(r)));
    const merged = merge(...minutes.map(histogramOf));
    const whole = histogramOf(minutes.flat());
    expect(percentiles(merged, QS)).toEqual(percentiles(whole, QS));
    // Merge order does not matter.
    expect(percentiles(merge(...[...minutes].reverse().map(histogramOf)), QS)).toEqual(percentiles(whole, QS));
  });

  it('an empty histogram has no percentiles; zero and negative counts (cancelled deltas) are ignored', () => {
    expect(percentiles(new Map(), [0.5])).toEqual([null]);
    const h: Histogram = new Map([[10, 0], [20, -1], [30, 2]]);
    expect(percentiles(h, [0.5, 1])).toEqual([representative(30), representative(30)]);
  });
});
