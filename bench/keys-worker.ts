/**
 * `npm run bench:keys`: what business keys cost the decode worker, apart from
 * the database (bench:ingest measures the whole). On bench:ingest's traffic
 * (1,000-span requests, its seed), in one process:
 * - the worker's path per request (decode, rows, key lines, COPY blocks, as
 *   lib/ingest/decode-worker.ts runs it) with SAGASCOPE_KEY_ATTRIBUTES=off and
 *   with the default list, alternated request set by request set; CPU per span
 *   of the whole process (its GC threads included), medians over the rounds;
 * - KeyExtractor.extractInto alone, nanoseconds per span.
 * Pin it to one core (`taskset -c 1 npm run bench:keys`) for steadier figures:
 * one process keeps a speed of its own, so compare on / off within a run.
 *
 *   BENCH_SPANS (default 200000)  BENCH_ROUNDS (24; the first 2 are warm-up)
 */
import { benchRequests } from './support/requests';
import { decodeProtobufRequest } from '../lib/otlp/decode-protobuf';
import { DEFAULT_DECODE_BUDGETS } from '../lib/otlp/decode-budget';
import { decodeRequestRows } from '../lib/ingest/decode-rows';
import { encodeCopyBlock } from '../lib/ingest/copy-block';
import { DEFAULT_SPAN_LIMITS } from '../lib/ingest/limits';
import { DEFAULT_KEY_ATTRIBUTES, KeyExtractor } from '../lib/search/keys';
import v8 from 'node:v8';
import vm from 'node:vm';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 24);
const WARM_UP = 2;
/** lib/ingest/decode-worker.ts CHUNK_ROWS. */
const CHUNK_ROWS = 256;

const { spans, requests } = benchRequests(SPANS);

/** As the worker does (lib/ingest/decode-worker.ts reclaim): a full collection every 8 MB of bodies. */
const RECLAIM_BYTES = 8 * 1024 * 1024;
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as (options: { type: 'major'; execution: 'async' }) => Promise<void>;
let bytesSinceCollect = 0;

/** One pass over every request as the worker handles it; the spans handled. */
function workerPass(keyAttributes: readonly string[] | null): number {
  const limits = { ...DEFAULT_SPAN_LIMITS, ...DEFAULT_DECODE_BUDGETS, keyAttributes };
  let n = 0;
  for (const body of requests) {
    const { rows, keyLines: keys } = decodeRequestRows(body, 'protobuf', limits, true);
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) n += encodeCopyBlock(rows.slice(from, from + CHUNK_ROWS), keys).rows.length;
    bytesSinceCollect += body.byteLength;
    if (bytesSinceCollect >= RECLAIM_BYTES) {
      bytesSinceCollect = 0;
      void collect({ type: 'major', execution: 'async' });
    }
  }
  return n;
}

function cpuMicrosPerSpan(run: () => number): number {
  const before = process.cpuUsage();
  const n = run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function main() {
  console.log(`decode worker, business keys off / on: ${ROUNDS} rounds of ${spans} spans in ${requests.length} requests`);
  const off: number[] = [];
  const on: number[] = [];
  const deltas: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order, so a drift within the process favours neither side.
    const first = round % 2 === 0;
    const a = cpuMicrosPerSpan(() => workerPass(first ? null : DEFAULT_KEY_ATTRIBUTES));
    const b = cpuMicrosPerSpan(() => workerPass(first ? DEFAULT_KEY_ATTRIBUTES : null));
    if (round < WARM_UP) continue;
    const [o, k] = first ? [a, b] : [b, a];
    off.push(o);
    on.push(k);
    deltas.push(k - o);
  }
  console.log(`  CPU per span (µs, median): off ${median(off).toFixed(2)}, on ${median(on).toFixed(2)}; on − off per round: median ${median(deltas).toFixed(2)}, range ${Math.min(...deltas).toFixed(2)} to ${Math.max(...deltas).toFixed(2)}`);

  const decoded = requests.slice(0, 50).flatMap((body) => decodeProtobufRequest(body, DEFAULT_DECODE_BUDGETS).spans);
  const extractor = new KeyExtractor(DEFAULT_KEY_ATTRIBUTES);
  const scratch: string[] = [];
  const times: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    let found = 0;
    const started = performance.now();
    for (let r = 0; r < 10; r++) for (const s of decoded) found += extractor.extractInto(s.attributes, null, scratch);
    times.push(((performance.now() - started) * 1e6) / (10 * decoded.length));
    if (found === 0) throw new Error('no keys found: the traffic should carry order, payment and user ids');
  }
  console.log(`  KeyExtractor.extractInto: ${median(times).toFixed(0)} ns per span (median of 7; ${(decoded.reduce((a, s) => a + Object.keys(s.attributes).length, 0) / decoded.length).toFixed(1)} attributes per span)`);
}

main();
