/**
 * `npm run bench:ingest`: ingest throughput, acknowledged after commit, against
 * the real PostgreSQL server, with saga summaries maintained; compared in the
 * same run with the raw COPY rate of the same rows into an identical empty table.
 * The COPY is measured right before and right after the ingest and the ratio
 * taken against their mean: this machine's speed drifts by a quarter within
 * minutes, and one measurement on one side made the ratio drift with it.
 *
 * Business keys (issue 18): the same traffic is ingested twice, into two fresh
 * databases, with SAGASCOPE_KEY_ATTRIBUTES=off (no key extracted or stored) and
 * with the default list (order, payment, user ids and saga.key.*), in
 * alternating order per round; the printed key cost is the ratio of their
 * ingest / COPY ratios (BENCH_KEYS=on or off runs one side only).
 *
 *   BENCH_SPANS (default 200000)  BENCH_BATCH (1000)  BENCH_CONCURRENCY (8)
 *   BENCH_KEYS (compare | on | off; default compare)  BENCH_ROUNDS (1: each side once per round)
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
import { backendCpu, backendCpuSince, mainThreadCpuSeconds, processCpuSeconds } from './support/cpu-time';
import { watchGcPauses } from './support/gc-pauses';

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
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);

async function main() {
  if (!['compare', 'on', 'off'].includes(KEYS)) throw new Error('BENCH_KEYS: compare, on or off');
  const sides = KEYS === 'compare' ? ['off', 'on'] : [KEYS];
  const ratios: Record<string, number[]> = { off: [], on: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which side goes first, so a drift of the machine's speed does not favour one.
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      console.log(`\n== round ${round + 1}, business keys ${side} ==`);
      ratios[side]!.push(await ingestOnce(side === 'off' ? 'off' : ''));
    }
  }
  if (KEYS === 'compare') {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [off, on] = [mean(ratios.off!), mean(ratios.on!)];
    console.log(`\nbusiness keys: ratio ingest / raw COPY ${off.toFixed(3)} off, ${on.toFixed(3)} on (rounds: off ${ratios.off!.map((r) => r.toFixed(3)).join(', ')}; on ${ratios.on!.map((r) => r.toFixed(3)).join(', ')})`);
    console.log(`on / off: ${(on / off).toFixed(3)} (target ≥ 0.95: ${on / off >= 0.95 ? 'met' : 'MISSED'})`);
  }
}

/** One ingest into a fresh database; returns its ratio ingest / raw COPY. keyAttributes: SAGASCOPE_KEY_ATTRIBUTES ('' = default list). */
async function ingestOnce(keyAttributes: string): Promise<number> {
  const scratch = await createScratchDatabase();
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
    const database = new URL(scratch.url).pathname.slice(1);
    const pgBefore = backendCpu(database);
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
        `collector main thread CPU:      ${perSpan(mainCpu)} µs per span (the rest of the collector's is its worker threads, GC and I/O helpers)`,
        `collector GC pauses:            ${perSpan(gc.totalMs / 1000)} µs per span (${gc.scavenges} scavenges, ${gc.others} other collections, during the ingest only)`,
        `collector main thread:          busy ${(mainThreadBusy * 100).toFixed(0)} % of the ingest (event-loop utilisation)`,
        // Since ADR 0012 these are the batches' summary row locks: several batches hold theirs at once, so "held" is a mean count of holders.
        `phase-2 locks (summary rows):   held ${(lockHeld * 100).toFixed(0)} % of the time (mean holders × 100), mean waiters ${lockWait.toFixed(2)}`,
        `load average at end:            ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
      ].join('\n'),
    );
    if (stored!.spans !== report.spans) throw new Error(`stored ${stored!.spans} spans, sent ${report.spans}`);
    if ((stored!.keys > 0) !== (keyAttributes !== 'off')) throw new Error(`${stored!.keys} business keys stored with SAGASCOPE_KEY_ATTRIBUTES=${keyAttributes || '(default)'}`);
    return ingestRate / copyRate;
  } finally {
    await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
