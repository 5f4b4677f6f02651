/**
 * `npm run bench:ingest`: ingest throughput, acknowledged after commit, against
 * the real PostgreSQL server, with saga summaries maintained; compared in the
 * same run with the raw COPY rate of the same rows into an identical empty table.
 * The COPY is measured right before and right after the ingest and the ratio
 * taken against their mean: this machine's speed drifts by a quarter within
 * minutes, and one measurement on one side made the ratio drift with it.
 *
 * Business keys (issue 18): BENCH_KEYS=compare (the default) ingests the same
 * traffic with SAGASCOPE_KEY_ATTRIBUTES=off (no key extracted or stored) and
 * with the default list (order, payment, user ids and saga.key.*), interleaved
 * in short slices (bench/ingest-interleaved.ts), and prints the throughput
 * ratio on / off. BENCH_KEYS=sequential is the comparison sessions 11 and 12
 * measured: two whole ingests per round, each divided by its raw COPY, their
 * ratio printed. BENCH_KEYS=same interleaves keys off with keys off: the
 * check that the interleaved design itself favours neither side (its ratio
 * should be 1 within its interval). BENCH_KEYS=on or off runs one side only.
 *
 * DTM connector (issue 16): BENCH_DTM=compare ingests twice the same way, once
 * with sagascope's DTM follower running in the collector's process (as under
 * `npm start`), listing a DTM (bench/support/dtm-backlog.ts, its own process)
 * that holds BENCH_DTM_BACKLOG unfinished transactions every BENCH_DTM_POLL_MS,
 * and once without; the printed cost is the ratio of their ingest / COPY ratios.
 *
 *   BENCH_SPANS (default 200000)  BENCH_BATCH (1000)  BENCH_CONCURRENCY (8)
 *   BENCH_KEYS (compare | same | sequential | on | off; default compare)
 *   BENCH_ROUNDS (compare and same: 8, each a fresh pair of collector processes and databases; otherwise 1, each side once per round)
 *   BENCH_SLICE (compare: 20 requests per slice)
 *   BENCH_DTM (off | on | compare; default off: when not off, keys are on and BENCH_KEYS is ignored)
 *   BENCH_DTM_BACKLOG (1000)  BENCH_DTM_POLL_MS (1000; the default setting is 5000)
 *   BENCH_CPU_PROF (compare and same: a directory for each collector's V8 CPU profile)
 *   BENCH_NODE_ARGS (compare and same: extra node flags for both collectors, e.g. "--trace-gc" or "--trace-deopt")
 *   SAGASCOPE_TEST_DATABASE_URL   admin connection used to create a scratch database
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { loadavg } from 'node:os';
import { performance as nodePerformance } from 'node:perf_hooks';
import { createScratchDatabase } from '../test/integration/harness';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { startCollector } from '../collector/start-collector';
import { generateSagas } from './saga-generator';
import { toSpanRows, type SpanRow } from '../lib/ingest/span-row';
import { spanCopyLine, COLUMN_LIST } from '../lib/ingest/span-writer';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { backendCpu, backendCpuSince, cpuSince, mainThreadCpuSeconds, processCpuSeconds, serverProcessCpu } from './support/cpu-time';
import { watchGcPauses } from './support/gc-pauses';
import { connectorFrom } from '../lib/dtm/connector';
import { compareInterleaved } from './ingest-interleaved';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SEED = 7;

interface SenderReport {
  spans: number;
  requests: number;
  elapsedMs: number;
  retries: number;
  /** CPU seconds the sender used while sending (not while encoding beforehand). */
  cpuSeconds: number;
  error?: string;
}

function runSender(target: string, startMs: number, onSending: () => void): Promise<SenderReport> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'ingest-sender.ts'), [JSON.stringify({ target, spans: SPANS, batch: BATCH, concurrency: CONCURRENCY, seed: SEED, startMs })], {
      execArgv: ['--import', 'tsx'],
    });
    child.on('message', (m: SenderReport | { sending: true }) => {
      if ('sending' in m) onSending();
      else if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    child.on('exit', (code) => code !== 0 && reject(new Error(`sender exited ${code}`)));
  });
}

async function rawCopyRate(url: string, rows: SpanRow[]): Promise<{ rate: number; cpuPerRow: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows: [backend] } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await client.query('DROP TABLE IF EXISTS spans_copy_baseline');
  await client.query('CREATE TABLE spans_copy_baseline (LIKE spans INCLUDING ALL)');
  const text: string[] = [];
  for (let i = 0; i < rows.length; i += 1000) text.push(rows.slice(i, i + 1000).map(spanCopyLine).join(''));
  const started = performance.now();
  const cpuBefore = processCpuSeconds(backend!.pid);
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(
      copyFrom(`COPY spans_copy_baseline (${COLUMN_LIST}) FROM STDIN`),
    );
    stream.on('error', reject);
    stream.on('finish', resolve);
    let i = 0;
    const pump = () => {
      while (i < text.length) if (!stream.write(text[i++])) return void stream.once('drain', pump);
      stream.end();
    };
    pump();
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = processCpuSeconds(backend!.pid) - cpuBefore;
  await client.query('DROP TABLE spans_copy_baseline');
  await client.end();
  return { rate: rows.length / seconds, cpuPerRow: cpu / rows.length };
}

const KEYS = process.env.BENCH_KEYS ?? 'compare';
const DTM = process.env.BENCH_DTM ?? 'off';
const DTM_BACKLOG = Number(process.env.BENCH_DTM_BACKLOG ?? 1_000);
const DTM_POLL_MS = Number(process.env.BENCH_DTM_POLL_MS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (DTM === 'off' && (KEYS === 'compare' || KEYS === 'same') ? 8 : 1));
const SLICE = Number(process.env.BENCH_SLICE ?? 20);

interface Side {
  label: string;
  /** SAGASCOPE_KEY_ATTRIBUTES ('' = the default list). */
  keyAttributes: string;
  dtm: boolean;
}

function sidesToRun(): { sides: Side[]; what: string; target: number } | { sides: Side[]; what: null; target: null } {
  if (!['compare', 'same', 'sequential', 'on', 'off'].includes(KEYS)) throw new Error('BENCH_KEYS: compare, same, sequential, on or off');
  if (!['compare', 'on', 'off'].includes(DTM)) throw new Error('BENCH_DTM: compare, on or off');
  const keysOn = (dtm: boolean): Side => ({ label: dtm ? 'DTM follower on' : 'DTM follower off', keyAttributes: '', dtm });
  if (DTM === 'compare') return { sides: [keysOn(false), keysOn(true)], what: 'DTM follower', target: 0.97 };
  if (DTM === 'on') return { sides: [keysOn(true)], what: null, target: null };
  const keys = (on: boolean): Side => ({ label: `business keys ${on ? 'on' : 'off'}`, keyAttributes: on ? '' : 'off', dtm: false });
  if (KEYS === 'sequential') return { sides: [keys(false), keys(true)], what: 'business keys', target: 0.95 };
  return { sides: [keys(KEYS === 'on')], what: null, target: null };
}

async function main() {
  if (DTM === 'off' && (KEYS === 'compare' || KEYS === 'same')) {
    if (!(SLICE >= 1 && SPANS >= 2 * SLICE * BATCH)) throw new Error('BENCH_SLICE: at least 1, and BENCH_SPANS must fill two slices (the first is the warm-up)');
    return compareInterleaved({
      spans: SPANS, batch: BATCH, concurrency: CONCURRENCY, seed: SEED, slice: SLICE, rounds: ROUNDS, keyAttributes: KEYS === 'same' ? ['off', 'off'] : ['off', ''], target: 0.95,
    });
  }
  const plan = sidesToRun();
  const ratios = plan.sides.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so a drift of the machine's speed does not favour one.
    const order = plan.sides.map((_, i) => i);
    for (const i of round % 2 === 0 ? order : order.reverse()) {
      console.log(`\n== round ${round + 1}, ${plan.sides[i]!.label} ==`);
      ratios[i]!.push(await ingestOnce(plan.sides[i]!));
    }
  }
  if (plan.what !== null) {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [off, on] = [mean(ratios[0]!), mean(ratios[1]!)];
    const list = (xs: number[]) => xs.map((r) => r.toFixed(3)).join(', ');
    console.log(`\n${plan.what}: ratio ingest / raw COPY ${off.toFixed(3)} off, ${on.toFixed(3)} on (rounds: off ${list(ratios[0]!)}; on ${list(ratios[1]!)})`);
    console.log(`on / off: ${(on / off).toFixed(3)} (target ≥ ${plan.target}: ${on / off >= plan.target ? 'met' : 'MISSED'})`);
  }
}

/** A DTM with a backlog of unfinished transactions, in a process and a database of its own. */
async function startDtmBacklog(): Promise<{ url: string; stop(): Promise<void> }> {
  const scratch = await createScratchDatabase();
  const child = fork(path.join(__dirname, 'support', 'dtm-backlog.ts'), [JSON.stringify({ databaseUrl: scratch.url, transactions: DTM_BACKLOG })], {
    execArgv: ['--import', 'tsx'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`DTM backlog exited ${code}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
      await scratch.drop();
    },
  };
}

/** One ingest into a fresh database; returns its ratio ingest / raw COPY. */
async function ingestOnce(side: Side): Promise<number> {
  const { keyAttributes } = side;
  const scratch = await createScratchDatabase();
  const dtm = side.dtm ? await startDtmBacklog() : null;
  try {
    const config = parseConfig({
      ...process.env,
      DATABASE_URL: scratch.url,
      COLLECTOR_GRPC_PORT: '0',
      COLLECTOR_HTTP_PORT: '0',
      SAGASCOPE_LOG_LEVEL: 'warn',
      SAGASCOPE_KEY_ATTRIBUTES: keyAttributes,
    });
    const db = await openMigratedDb(config);
    const startMs = Date.now() - 3_600_000;
    // Rows are made for each COPY and dropped after it, so the collector's heap (same process) does not carry them.
    const copyOnce = () => rawCopyRate(scratch.url, toSpanRows(generateSagas({ minSpans: SPANS, failRate: 0.1, seed: SEED, startMs }).spans));
    const copyBefore = await copyOnce();
    const collector = await startCollector(db, config);
    // As under `npm start`: the follower runs in the collector's process (server/start.ts).
    const follower = dtm
      ? connectorFrom(parseConfig({ SAGASCOPE_DTM_SERVERS: dtm.url, SAGASCOPE_DTM_POLL_MS: String(DTM_POLL_MS), SAGASCOPE_LOG_LEVEL: 'warn' }))
      : null;
    if (dtm && !follower) throw new Error('no DTM connector');
    follower?.startFollower();
    const database = new URL(scratch.url).pathname.slice(1);
    const pgBefore = backendCpu(database);
    const serverBefore = serverProcessCpu();
    const [{ lsn: walBefore }] = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    const cpuBefore = process.cpuUsage();
    const mainCpuBefore = mainThreadCpuSeconds();
    const gcWatch = watchGcPauses();
    // The sender pre-encodes its requests first; the busy share counts from its first request.
    let eluBefore = nodePerformance.eventLoopUtilization();
    const report = await runSender(`127.0.0.1:${collector.grpcPort}`, startMs, () => (eluBefore = nodePerformance.eventLoopUtilization()));
    const collectorCpu = process.cpuUsage(cpuBefore);
    const mainCpu = mainThreadCpuSeconds() - mainCpuBefore;
    const mainThreadBusy = nodePerformance.eventLoopUtilization(eluBefore).utilization;
    const gc = await gcWatch.stop();
    const lockHeld = collector.metrics.phase2HeldSeconds / (report.elapsedMs / 1000);
    const lockWait = collector.metrics.phase2WaitSeconds / (report.elapsedMs / 1000);
    const pgCpu = backendCpuSince(database, pgBefore);
    const serverCpu = cpuSince(serverProcessCpu(), serverBefore);
    const [{ bytes: walBytes }] = await db.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::text AS bytes', [walBefore]);
    const followedGids = follower?.followedCount() ?? null;
    await follower?.stop();
    await collector.close();
    const [stored] = await db.query<{ spans: number; sagas: number; compensated: number; keys: number }>(
      `SELECT (SELECT count(*)::int FROM spans) AS spans, (SELECT count(*)::int FROM sagas) AS sagas,
              (SELECT count(*)::int FROM sagas WHERE status = 'compensated') AS compensated,
              (SELECT count(*)::int FROM saga_keys) AS keys`,
    );
    await db.close();
    const ingestRate = report.spans / (report.elapsedMs / 1000);
    const perSpan = (seconds: number) => ((seconds * 1e6) / report.spans).toFixed(1);

    const copyAfter = await copyOnce();
    const copyRate = (copyBefore.rate + copyAfter.rate) / 2;
    const copyCpu = (copyBefore.cpuPerRow + copyAfter.cpuPerRow) / 2;

    console.log(
      [
        `spans sent:                     ${report.spans} in ${report.requests} gRPC requests (batch ${BATCH}, concurrency ${CONCURRENCY}, ${report.retries} retries)`,
        `spans stored / sagas / keys:    ${stored!.spans} / ${stored!.sagas} (${stored!.compensated} compensated) / ${stored!.keys} business keys`,
        `ingest, acked after commit:     ${Math.round(ingestRate)} spans/s (${(report.elapsedMs / 1000).toFixed(2)} s)`,
        `raw COPY, same rows:            ${Math.round(copyRate)} rows/s, mean of ${Math.round(copyBefore.rate)} before and ${Math.round(copyAfter.rate)} after the ingest (its backend: ${(copyCpu * 1e6).toFixed(1)} µs CPU per row)`,
        `ratio ingest / raw COPY:        ${(ingestRate / copyRate).toFixed(2)} (${(ingestRate / Math.max(copyBefore.rate, copyAfter.rate)).toFixed(2)}–${(ingestRate / Math.min(copyBefore.rate, copyAfter.rate)).toFixed(2)} against either)`,
        `CPU per span (µs):              collector ${perSpan((collectorCpu.user + collectorCpu.system) / 1e6)} (kernel ${perSpan(collectorCpu.system / 1e6)}), PostgreSQL backends ${perSpan(pgCpu)}, sender ${perSpan(report.cpuSeconds)}`,
        `PostgreSQL's own processes:     ${perSpan(serverCpu)} µs of CPU per span (checkpointer, background and WAL writers); WAL ${Math.round(Number(walBytes) / report.spans)} bytes per span`,
        `collector main thread CPU:      ${perSpan(mainCpu)} µs per span (the rest of the collector's is its worker threads, GC and I/O helpers)`,
        `collector GC pauses:            ${perSpan(gc.totalMs / 1000)} µs per span (${gc.scavenges} scavenges, ${gc.others} other collections, during the ingest only)`,
        `collector main thread:          busy ${(mainThreadBusy * 100).toFixed(0)} % of the ingest (event-loop utilisation)`,
        // Since ADR 0012 these are the batches' summary row locks: several batches hold theirs at once, so "held" is a mean count of holders.
        `phase-2 locks (summary rows):   held ${(lockHeld * 100).toFixed(0)} % of the time (mean holders × 100), mean waiters ${lockWait.toFixed(2)}`,
        ...(followedGids === null ? [] : [`DTM follower:                   ${followedGids} unfinished transactions followed, listed every ${DTM_POLL_MS} ms`]),
        `load average at end:            ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      ].join('\n'),
    );
    if (stored!.spans !== report.spans) throw new Error(`stored ${stored!.spans} spans, sent ${report.spans}`);
    if ((stored!.keys > 0) !== (keyAttributes !== 'off')) throw new Error(`${stored!.keys} business keys stored with SAGASCOPE_KEY_ATTRIBUTES=${keyAttributes || '(default)'}`);
    return ingestRate / copyRate;
  } finally {
    await dtm?.stop();
    await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
