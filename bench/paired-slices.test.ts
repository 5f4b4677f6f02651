import { describe, expect, it } from 'vitest';
import { summarisePairs, type SlicePair } from './paired-slices';

const pair = (off: number, on: number, cpuOff = 1, cpuOn = 1, round = 0): SlicePair => ({ round, spans: 1000, ms: [off, on], cpu: [cpuOff, cpuOn], collectorCpu: [cpuOff / 2, cpuOn / 2], mainThreadCpu: [cpuOff / 4, cpuOn / 4], workerCpu: [cpuOff / 8, cpuOn / 8] });

describe('summarisePairs', () => {
  it('takes the ratio of total times, so every span weighs the same however slow its slice was', () => {
    const s = summarisePairs([pair(100, 110), pair(300, 310)]);
    expect(s.ratio).toBeCloseTo(400 / 420, 12);
    expect(s.rates[0]).toBeCloseTo(2000 / 0.4, 6);
    expect(s.rates[1]).toBeCloseTo(2000 / 0.42, 6);
    expect(s.perPair.min).toBeCloseTo(100 / 110, 12);
    expect(s.perPair.max).toBeCloseTo(300 / 310, 12);
  });

  it('cancels a drift of the machine that falls on both sides of every pair', () => {
    // The machine slows down threefold over the run; the on side costs 4 % in every pair.
    const pairs = Array.from({ length: 12 }, (_, i) => pair(100 * (1 + i / 5), 104 * (1 + i / 5)));
    const s = summarisePairs(pairs);
    expect(s.ratio).toBeCloseTo(100 / 104, 12);
    expect(s.interval[0]).toBeCloseTo(100 / 104, 9);
    expect(s.interval[1]).toBeCloseTo(100 / 104, 9);
  });

  it('gives an interval that holds the ratio and widens with scattered pairs', () => {
    const steady = summarisePairs(Array.from({ length: 20 }, (_, i) => pair(100, i % 2 ? 103 : 105)));
    const noisy = summarisePairs(Array.from({ length: 20 }, (_, i) => pair(100, i % 2 ? 85 : 123)));
    for (const s of [steady, noisy]) {
      expect(s.interval[0]).toBeLessThanOrEqual(s.ratio);
      expect(s.interval[1]).toBeGreaterThanOrEqual(s.ratio);
    }
    expect(noisy.interval[1] - noisy.interval[0]).toBeGreaterThan(5 * (steady.interval[1] - steady.interval[0]));
  });

  it('resamples whole rounds when there are several: a round that ran slow on one side widens the interval as one unit', () => {
    // Ten pairs per round; in round 2 the on side's process ran 20 % slow throughout.
    const rounds = [1.02, 1.04, 1.2, 1.03].flatMap((on, r) => Array.from({ length: 10 }, () => pair(100, 100 * on, 1, 1, r)));
    const s = summarisePairs(rounds);
    expect(s.resampled).toBe('rounds');
    expect(s.perRound.map((x) => +x.toFixed(4))).toEqual([1 / 1.02, 1 / 1.04, 1 / 1.2, 1 / 1.03].map((x) => +x.toFixed(4)));
    // Pairs resampled as if independent would claim a much narrower interval.
    const asPairs = summarisePairs(rounds.map((p) => ({ ...p, round: 0 })));
    expect(asPairs.resampled).toBe('pairs');
    expect(s.interval[1] - s.interval[0]).toBeGreaterThan(2 * (asPairs.interval[1] - asPairs.interval[0]));
  });

  it('is the same for the same figures (seeded resampling)', () => {
    const pairs = [pair(100, 90), pair(100, 120), pair(100, 101), pair(100, 99)];
    expect(summarisePairs(pairs).interval).toEqual(summarisePairs(pairs).interval);
  });

  it('reports CPU per span on / off', () => {
    expect(summarisePairs([pair(100, 100, 2, 2.1), pair(100, 100, 2, 2.1)]).cpuRatio).toBeCloseTo(1.05, 12);
  });

  it('refuses an empty run', () => {
    expect(() => summarisePairs([])).toThrow(/no slice pairs/);
  });
});
