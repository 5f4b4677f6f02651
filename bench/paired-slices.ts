/**
 * The statistics of bench:ingest's interleaved comparison (BENCH_KEYS=compare):
 * both sides ingest the same traffic in short slices, taken in turn (A B, then
 * B A), so a drift of the machine's speed — by a quarter within minutes on the
 * shared machines this runs on — falls on both sides of a pair alike, instead
 * of on whichever side ran in the slower minute. Pure, so it is unit-tested.
 */
import { seededRandom } from '../lib/random';

/** One slice of the same requests, sent to each side in turn. */
export interface SlicePair {
  /** The round (a fresh pair of collector processes and databases) it belongs to. */
  round: number;
  spans: number;
  /** Wall time of the slice, first request to last acknowledgement, per side ([off, on]). */
  ms: [number, number];
  /** CPU seconds the side's collector process and PostgreSQL backends used in its slice. */
  cpu: [number, number];
  /** The collector process's share of `cpu`, and of that its main thread's and its decode workers' (the rest is GC and I/O helpers). */
  collectorCpu: [number, number];
  mainThreadCpu: [number, number];
  workerCpu: [number, number];
}

export interface PairedSummary {
  pairs: number;
  /** Throughput on / off over every pair: Σ ms(off) / Σ ms(on), the same spans on both sides. */
  ratio: number;
  /**
   * 2.5th and 97.5th percentiles of `ratio` over bootstrap resamples of whole
   * rounds (of the pairs when there is one round): pairs of one round share
   * their processes, and a process can run a quarter slower than the next one
   * for its whole life on these machines, so its pairs are not independent.
   */
  interval: [number, number];
  /** What was resampled for `interval`. */
  resampled: 'rounds' | 'pairs';
  /** Per-round ratios, in round order. */
  perRound: number[];
  /** Per-pair ratios: lowest, median, highest. */
  perPair: { min: number; median: number; max: number };
  /** CPU per span on / off (collector and its backends): above 1 means keys cost CPU. */
  cpuRatio: number;
  /** Spans per second of each side over its slices ([off, on]). */
  rates: [number, number];
}

const quantile = (sorted: readonly number[], q: number) => {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
};

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const ratioOf = (pairs: readonly SlicePair[]) => sum(pairs.map((p) => p.ms[0])) / sum(pairs.map((p) => p.ms[1]));

export function summarisePairs(pairs: readonly SlicePair[], resamples = 2000, seed = 18): PairedSummary {
  if (pairs.length === 0) throw new Error('no slice pairs to summarise');
  const rounds = [...new Set(pairs.map((p) => p.round))].sort((a, b) => a - b).map((r) => pairs.filter((p) => p.round === r));
  // Clusters to resample: whole rounds, or single pairs when there is one round.
  const clusters = rounds.length > 1 ? rounds : pairs.map((p) => [p]);
  // Seeded: the printed interval does not change between two runs of the same figures.
  const next = seededRandom(seed);
  const boots: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const sample = Array.from({ length: clusters.length }, () => clusters[Math.floor(next() * clusters.length)]!).flat();
    boots.push(ratioOf(sample));
  }
  boots.sort((x, y) => x - y);
  const each = pairs.map((p) => p.ms[0] / p.ms[1]).sort((x, y) => x - y);
  const spans = sum(pairs.map((p) => p.spans));
  const cpu = (side: 0 | 1) => sum(pairs.map((p) => p.cpu[side]));
  const seconds = (side: 0 | 1) => sum(pairs.map((p) => p.ms[side])) / 1000;
  return {
    pairs: pairs.length,
    ratio: ratioOf(pairs),
    interval: [quantile(boots, 0.025), quantile(boots, 0.975)],
    resampled: rounds.length > 1 ? 'rounds' : 'pairs',
    perRound: rounds.map(ratioOf),
    perPair: { min: each[0]!, median: quantile(each, 0.5), max: each[each.length - 1]! },
    cpuRatio: cpu(1) / cpu(0),
    rates: [spans / seconds(0), spans / seconds(1)],
  };
}
