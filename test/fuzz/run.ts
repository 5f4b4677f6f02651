/**
 * `npm run fuzz [-- --runs N --seed S]`: runs every fuzz suite (lib/fuzz) for N
 * inputs in total (default 1,000,000), split by the suites' weights, and prints
 * per suite the inputs, inputs/s, slowest single input and heap growth. Exits 1
 * on the first property violation (with fast-check's seed and path to replay it).
 */
import fc from 'fast-check';
import { SUITES } from '../../lib/fuzz/suites';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const total = Number(arg('runs') ?? 1_000_000);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const heapMb = () => process.memoryUsage().heapUsed / 2 ** 20;

console.log(`fuzz: ${total} inputs, seed ${seed}`);
let all = 0;
const started = performance.now();
const heapStart = heapMb();
let heapPeak = heapStart;
for (const s of SUITES) {
  const runs = Math.round(total * s.weight);
  let slowest = 0;
  const property = s.property as fc.IProperty<unknown[]>;
  const timed: fc.IProperty<unknown[]> = Object.assign(Object.create(Object.getPrototypeOf(property)), property, {
    run(v: unknown[]) {
      const t = performance.now();
      const r = property.run(v);
      slowest = Math.max(slowest, performance.now() - t);
      return r;
    },
  });
  const t0 = performance.now();
  const timer = setInterval(() => (heapPeak = Math.max(heapPeak, heapMb())), 200);
  try {
    fc.assert(timed, { numRuns: runs, seed, endOnFailure: true });
  } finally {
    clearInterval(timer);
  }
  const secs = (performance.now() - t0) / 1000;
  heapPeak = Math.max(heapPeak, heapMb());
  all += runs;
  console.log(`${s.name.padEnd(50)} ${String(runs).padStart(8)} inputs  ${Math.round(runs / secs).toLocaleString('en').padStart(8)}/s  slowest ${slowest.toFixed(1)} ms  heap ${heapMb().toFixed(0)} MiB`);
}
console.log(`total ${all.toLocaleString('en')} inputs in ${((performance.now() - started) / 1000).toFixed(0)} s; no crash, no hang, every rejection a DecodeError (400 / INVALID_ARGUMENT); heap start ${heapStart.toFixed(0)} MiB, peak ${heapPeak.toFixed(0)} MiB`);
