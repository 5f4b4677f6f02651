/**
 * `npm run bench:ingest:handoff`: the main thread's CPU per span for taking
 * decoded rows from the ingest workers and producing the COPY input, with the
 * workers sending full rows (main thread builds the COPY lines, as before
 * ADR 0014) and with them sending lean rows plus COPY blocks. No database and
 * no gRPC: only the part the hand-off changes, in alternating rounds, so that
 * the two are compared on the same (shared, drifting) machine. CPU is this
 * thread's own (/proc/self/task/<pid>), not the workers'.
 *
 *   BENCH_SPANS (100000)  BENCH_ROUNDS (4: each side per round)  BENCH_WORKERS (1)
 */
import { benchRequests } from './support/requests';
import { DecodePool } from '../lib/ingest/decode-pool';
import { spanCopyChunks } from '../lib/ingest/copy-block';
import { spanCopyLine } from '../lib/ingest/span-copy';
import { copyChunks } from '../lib/db/copy-chunks';
import { inheritSagaIds } from '../lib/ingest/inherit-saga-ids';
import { DEFAULT_SPAN_LIMITS } from '../lib/ingest/limits';
import { DEFAULT_DECODE_BUDGETS } from '../lib/otlp/decode-budget';
import type { SpanRow } from '../lib/ingest/span-row';
import { mainThreadCpuSeconds } from './support/cpu-time';

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const REQUEST = 1_000;
const BATCH = 5_000;

const { spans, requests } = benchRequests(SPANS, REQUEST);
const limits = { ...DEFAULT_SPAN_LIMITS, ...DEFAULT_DECODE_BUDGETS };

async function once(encode: boolean): Promise<number> {
  const pool = new DecodePool({ limits, maxBytes: 16 * 1024 * 1024, encode }, WORKERS);
  // Workers started and warm before the clock starts.
  await pool.decode({ body: Uint8Array.from(requests[0]!), encoding: 'protobuf', contentEncoding: 'identity' });
  const before = mainThreadCpuSeconds();
  let bytes = 0;
  let pending: SpanRow[] = [];
  const flush = () => {
    const rows = inheritSagaIds(pending);
    pending = [];
    for (const chunk of encode ? spanCopyChunks(rows) : copyChunks(rows, spanCopyLine)) bytes += chunk.length;
  };
  // As the collector: up to 8 requests in flight (the bench sender's concurrency), rows batched by 5,000.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < requests.length) {
      const body = Uint8Array.from(requests[next++]!);
      const { rows } = await pool.decode({ body, encoding: 'protobuf', contentEncoding: 'identity' });
      for (const r of rows) pending.push(r);
      if (pending.length >= BATCH) flush();
    }
  }));
  flush();
  const cpu = mainThreadCpuSeconds() - before;
  await pool.close();
  if (bytes === 0) throw new Error('no COPY input');
  return (cpu * 1e6) / spans;
}

async function main() {
  const results: Record<'full rows' | 'lean rows + COPY blocks', number[]> = { 'full rows': [], 'lean rows + COPY blocks': [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const encode of r % 2 === 0 ? [false, true] : [true, false]) {
      results[encode ? 'lean rows + COPY blocks' : 'full rows'].push(await once(encode));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${spans} spans, ${requests.length} requests, ${WORKERS} worker(s), ${ROUNDS} rounds; main-thread CPU µs per span (hand-off + COPY input):`);
  for (const [name, xs] of Object.entries(results)) console.log(`  ${name.padEnd(24)} median ${median(xs).toFixed(2)}  (${xs.map((x) => x.toFixed(2)).join(', ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
