/**
 * bench:ingest's comparison of business keys off and on (BENCH_KEYS=compare).
 *
 * Until session 13 the two sides were separate ingests of 200,000 spans, one
 * after the other, each divided by a raw COPY measured beside it. On the shared
 * machines this runs on, a side's rate moved by ±10 % from one ingest to the
 * next and the COPY's by ±20 %, so a run of four rounds landed anywhere from
 * 0.87 to 0.99 for the same code (docs/benchmarks-ingest.md, sessions 12–13).
 *
 * Here both sides run at once, each a collector in its own process with its own
 * database, and one sender gives them the same requests in slices of
 * BENCH_SLICE requests, in turn: off then on, then on then off. Only one side
 * has traffic at a time, and a pair's two slices are seconds apart, so whatever
 * the machine does in a given minute falls on both. The first slice pair warms
 * both sides up (JIT, connections, caches) and is not counted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadavg } from 'node:os';
import pg from 'pg';
import { createScratchDatabase } from '../test/integration/harness';
import { backendCpu, cpuSince, processCpuSeconds, threadCpu } from './support/cpu-time';
import { summarisePairs, type SlicePair } from './paired-slices';
import type { SliceOrder } from './ingest-sender';

export interface InterleavedOptions {
  spans: number;
  batch: number;
  concurrency: number;
  seed: number;
  /** Requests per slice. */
  slice: number;
  rounds: number;
  /** SAGASCOPE_KEY_ATTRIBUTES of each side: [off, on]. */
  keyAttributes: [string, string];
  target: number;
}

/** The next message of a child process; rejects when it exits first or reports an error. */
function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${path.basename(String(child.spawnargs[1]))} exited ${code}`));
    child.once('exit', onExit);
    child.once('message', (m: T | { error: string }) => {
      child.off('exit', onExit);
      if (m !== null && typeof m === 'object' && 'error' in m) reject(new Error(m.error));
      else resolve(m as T);
    });
  });
}

const script = (name: string) => path.join(__dirname, name);
const forkTs = (file: string, args: unknown, execArgv: string[] = []) => fork(file, [JSON.stringify(args)], { execArgv: ['--import', 'tsx', ...execArgv] });
// BENCH_CPU_PROF=<dir>: each collector process (and its decode workers) writes a V8 CPU profile there, named by side.
const profileArgs = (label: string) => [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}/${label}`] : []), ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];

interface Side {
  url: string;
  database: string;
  drop(): Promise<void>;
  collector: ChildProcess;
}

async function startSide(keyAttributes: string, label: string): Promise<Side & { grpcPort: number }> {
  const scratch = await createScratchDatabase();
  const collector = forkTs(script('support/collector-process.ts'), { databaseUrl: scratch.url, keyAttributes }, profileArgs(label));
  const { grpcPort } = await nextMessage<{ grpcPort: number }>(collector);
  return { ...scratch, database: new URL(scratch.url).pathname.slice(1), collector, grpcPort };
}

async function stopSide(side: Side): Promise<{ spans: number; keys: number; batches: number }> {
  const closed = nextMessage<{ batches: number }>(side.collector);
  side.collector.send('close');
  const { batches } = await closed;
  const client = new pg.Client({ connectionString: side.url });
  await client.connect();
  const { rows: [counts] } = await client.query<{ spans: number; keys: number }>(
    'SELECT (SELECT count(*)::int FROM spans) AS spans, (SELECT count(*)::int FROM saga_keys) AS keys',
  );
  await client.end();
  await side.drop();
  return { ...counts!, batches };
}

/** CPU seconds so far of a side's collector process (every thread) and its database's backends. */
const cpuOf = (side: Side) => ({
  collector: processCpuSeconds(side.collector.pid!),
  threads: threadCpu(side.collector.pid!),
  backends: backendCpu(side.database),
});
const cpuUsed = (side: Side, before: ReturnType<typeof cpuOf>) => ({
  collector: processCpuSeconds(side.collector.pid!) - before.collector,
  main: threadCpu(side.collector.pid!).main - before.threads.main,
  worker: threadCpu(side.collector.pid!).lowered - before.threads.lowered,
  backends: cpuSince(backendCpu(side.database), before.backends),
});

async function oneRound(opts: InterleavedOptions, round: number): Promise<SlicePair[]> {
  const sides = [await startSide(opts.keyAttributes[0], `side0-round${round + 1}`), await startSide(opts.keyAttributes[1], `side1-round${round + 1}`)];
  const sender = forkTs(script('ingest-sender.ts'), {
    targets: sides.map((s) => `127.0.0.1:${s.grpcPort}`),
    spans: opts.spans, batch: opts.batch, concurrency: opts.concurrency, seed: opts.seed, startMs: Date.now() - 3_600_000,
  });
  const pairs: SlicePair[] = [];
  let stopped = false;
  try {
    const { sizes } = await nextMessage<{ sizes: number[] }>(sender);
    let retries = 0;
    for (let k = 0, from = 0, to = 0; from < sizes.length; k++, from = to) {
      // A remainder shorter than a slice joins the last slice: a slice of one request would time mostly its ramp.
      to = sizes.length - (from + opts.slice) < opts.slice ? sizes.length : from + opts.slice;
      const pair: SlicePair = { round, spans: sizes.slice(from, to).reduce((a, b) => a + b, 0), ms: [0, 0], cpu: [0, 0], collectorCpu: [0, 0], mainThreadCpu: [0, 0], workerCpu: [0, 0] };
      for (const i of k % 2 === 0 ? [0, 1] : [1, 0]) {
        const before = cpuOf(sides[i]!);
        const reply = nextMessage<{ elapsedMs: number; retries: number }>(sender);
        sender.send({ from, to, side: i } satisfies SliceOrder);
        const { elapsedMs, retries: r } = await reply;
        pair.ms[i] = elapsedMs;
        const used = cpuUsed(sides[i]!, before);
        pair.cpu[i] = used.collector + used.backends;
        pair.collectorCpu[i] = used.collector;
        pair.mainThreadCpu[i] = used.main;
        pair.workerCpu[i] = used.worker;
        retries += r;
      }
      if (k > 0) pairs.push(pair); // the first pair is the warm-up
    }
    sender.send({ done: true } satisfies SliceOrder);
    const stored = [await stopSide(sides[0]!), await stopSide(sides[1]!)];
    stopped = true;
    const total = sizes.reduce((a, b) => a + b, 0);
    for (const [i, s] of stored.entries()) {
      if (s.spans !== total) throw new Error(`side ${i}: stored ${s.spans} spans, sent ${total}`);
      if ((s.keys > 0) !== (opts.keyAttributes[i] !== 'off')) throw new Error(`side ${i}: ${s.keys} business keys stored with SAGASCOPE_KEY_ATTRIBUTES=${opts.keyAttributes[i] || '(default)'}`);
    }
    const s = summarisePairs(pairs);
    console.log(
      `round ${round + 1}: ${pairs.length} pairs of ${opts.slice} requests (${total} spans each side, ${stored[1]!.keys} keys, ${retries} retries); ` +
        `off ${Math.round(s.rates[0])} spans/s, on ${Math.round(s.rates[1])} spans/s; on / off ${s.ratio.toFixed(3)} ` +
        `(pairs ${s.perPair.min.toFixed(3)}–${s.perPair.max.toFixed(3)}); CPU per span on / off ${s.cpuRatio.toFixed(3)}; ` +
        `spans per batch off ${Math.round(total / stored[0]!.batches)}, on ${Math.round(total / stored[1]!.batches)}; load ${loadavg()[0]!.toFixed(2)}`,
    );
    return pairs;
  } finally {
    if (!stopped) {
      sender.kill();
      for (const side of sides) {
        side.collector.kill();
        await side.drop();
      }
    }
  }
}

export async function compareInterleaved(opts: InterleavedOptions): Promise<void> {
  console.log(`business keys, interleaved: ${opts.rounds} rounds of ${opts.spans} spans per side, slices of ${opts.slice} requests of ${opts.batch} spans, concurrency ${opts.concurrency}`);
  const pairs: SlicePair[] = [];
  for (let round = 0; round < opts.rounds; round++) pairs.push(...(await oneRound(opts, round)));
  const s = summarisePairs(pairs);
  const spans = pairs.reduce((a, p) => a + p.spans, 0);
  const perSpan = (cpu: (p: SlicePair) => number) => ((pairs.reduce((a, p) => a + cpu(p), 0) * 1e6) / spans).toFixed(1);
  const cpuLine = (side: 0 | 1) =>
    `${perSpan((p) => p.cpu[side])} (collector ${perSpan((p) => p.collectorCpu[side])}: main thread ${perSpan((p) => p.mainThreadCpu[side])}, decode worker ${perSpan((p) => p.workerCpu[side])}; backends ${perSpan((p) => p.cpu[side] - p.collectorCpu[side])})`;
  console.log(
    [
      `\nbusiness keys over ${s.pairs} slice pairs:`,
      `  throughput off / on:            ${Math.round(s.rates[0])} / ${Math.round(s.rates[1])} spans/s`,
      `  CPU per span off (µs):          ${cpuLine(0)}`,
      `  CPU per span on (µs):           ${cpuLine(1)}; on / off ${s.cpuRatio.toFixed(3)}`,
      `  pairs on / off:                 lowest ${s.perPair.min.toFixed(3)}, median ${s.perPair.median.toFixed(3)}, highest ${s.perPair.max.toFixed(3)}`,
      `  rounds on / off:                ${s.perRound.map((r) => r.toFixed(3)).join(', ')}`,
      `on / off: ${s.ratio.toFixed(3)}, 95 % interval ${s.interval[0].toFixed(3)}–${s.interval[1].toFixed(3)} (bootstrap over ${s.resampled}) ` +
        `(target ≥ ${opts.target}: ${s.ratio >= opts.target ? (s.interval[0] >= opts.target ? 'met' : 'met, but the interval reaches below it') : 'MISSED'})`,
    ].join('\n'),
  );
}
