/**
 * `npm run bench:scale`: ingest with 1 and with 2 collector processes
 * (`collector/main.ts`, default settings) writing to one PostgreSQL database,
 * fed by a client that routes each trace to a collector by trace id, like the
 * OTel Collector's loadbalancing exporter (docs/otelcol-loadbalancing.yaml).
 * A quarter of the sagas continue in a second trace, so their traces land on
 * different collectors. Reports acknowledged spans/s, CPU of each process and
 * of the database backends, how long the phase-2 advisory lock is held
 * (sampled from pg_locks), and checks correctness: every summary equals the
 * saga model over its stored spans, and the rollup tables equal a recount.
 *
 *   BENCH_SPANS (200000)  BENCH_BATCH (1000)  BENCH_CONCURRENCY (8, per collector)
 *   SCALE_COLLECTORS ("1,2")  SCALE_PORT_BASE (15300)  SCALE_SAMPLE_MS (5)
 *   SAGASCOPE_TEST_DATABASE_URL  admin connection (default postgres@127.0.0.1:5432)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { parseConfig } from '../lib/config/env';
import { modelConfigFrom } from '../lib/config/model';
import { openMigratedDb } from '../lib/db/setup';
import { compactRollups } from '../lib/stats/rollup-writer';
import { loadSagaSpans } from '../lib/saga/span-store';
import { lockIdParts } from '../lib/db/locks';
import { buildSaga } from '../lib/saga/model';
import { anomalyKinds } from '../lib/saga/anomalies';
import { contributionOf, decodeContribution, encodeContribution, isCounts, type Contribution } from '../lib/stats/contribution';
import { RollupDelta } from '../lib/stats/delta';

const SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const COLLECTORS = (process.env.SCALE_COLLECTORS ?? '1,2').split(',').map(Number);
const PORT_BASE = Number(process.env.SCALE_PORT_BASE ?? 15_300);
const SAMPLE_MS = Number(process.env.SCALE_SAMPLE_MS ?? 5);
const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const SEED = 11;
const ROOT = path.join(__dirname, '..');
const TICK_MS = 10; // USER_HZ = 100 on Linux

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime
  } catch {
    return 0; // exited
  }
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector on ${port} exited ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`collector on ${port} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Samples the phase-2 advisory lock: who holds it exclusively (pid +
 * transaction start) and how many wait for it; and how many of the database's
 * sessions wait for any lock at all (advisory, a row, another transaction's
 * insert). Since ADR 0012 ingest takes the advisory lock only in shared mode
 * and waits on summary rows instead, so the second figure is the one that
 * compares across versions.
 */
class LockSampler {
  private readonly holds = new Map<string, { first: number; last: number }>();
  private samples = 0;
  private held = 0;
  private waiting = 0;
  private waitingAny = 0;
  /** Waiting sessions by what they wait for and the statement they wait in. */
  private readonly waitsBy = new Map<string, number>();
  private running = true;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly client: pg.Client) {}

  start(): void {
    const { classid, objid } = lockIdParts('ingestPhase2');
    const sql = `SELECT l.pid, l.granted, a.xact_start::text AS xs FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    AND l.classid = $1 AND l.objid = $2 AND (l.mode = 'ExclusiveLock' OR NOT l.granted)`;
    const anySql = `SELECT wait_event AS event, left(regexp_replace(query, '\\s+', ' ', 'g'), 48) AS query
                      FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    this.done = (async () => {
      while (this.running) {
        const t = performance.now();
        const { rows } = await this.client.query<{ pid: number; granted: boolean; xs: string }>(sql, [classid, objid]);
        this.samples++;
        for (const w of (await this.client.query<{ event: string; query: string }>(anySql)).rows) {
          this.waitingAny++;
          const what = `${w.event}: ${w.query}`;
          this.waitsBy.set(what, (this.waitsBy.get(what) ?? 0) + 1);
        }
        for (const r of rows) {
          if (!r.granted) { this.waiting++; continue; }
          this.held++;
          const k = `${r.pid}|${r.xs}`;
          const h = this.holds.get(k);
          if (h) h.last = t;
          else this.holds.set(k, { first: t, last: t });
        }
        const wait = SAMPLE_MS - (performance.now() - t);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();
  }

  async stop(elapsedMs: number) {
    this.running = false;
    await this.done;
    // A hold seen in k consecutive samples lasted about k sampling periods.
    const period = elapsedMs / Math.max(1, this.samples);
    const durations = [...this.holds.values()].map((h) => h.last - h.first + period).sort((a, b) => a - b);
    const q = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0;
    return {
      samples: this.samples,
      periodMs: period,
      heldShare: this.held / Math.max(1, this.samples),
      meanWaiters: this.waiting / Math.max(1, this.samples),
      meanWaitersAny: this.waitingAny / Math.max(1, this.samples),
      topWaits: [...this.waitsBy].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([what, n]) => ({ what, mean: n / Math.max(1, this.samples) })),
      holdsSeen: durations.length,
      holdMs: { p50: q(0.5), p90: q(0.9), max: durations[durations.length - 1] ?? 0, mean: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length) },
    };
  }
}

/**
 * A saga built from the request (float ms decoded from OTLP nanoseconds) and
 * the same saga rebuilt from stored rows (microseconds) can put a duration
 * lying within a microsecond of a histogram edge into neighbouring buckets.
 * Such a difference is told apart from a real one: same counts, same number
 * of latency entries, each bucket off by at most one.
 */
function onlyBucketEdge(stored: Contribution | null, model: Contribution): boolean {
  if (!stored || stored.name !== model.name || stored.entries.length !== model.entries.length) return false;
  const counts = (c: Contribution) => JSON.stringify(c.entries.filter(isCounts));
  if (counts(stored) !== counts(model)) return false;
  const lat = (c: Contribution) => c.entries.filter((e) => !isCounts(e)).map((e) => `${e[0]}|${e[1]}|${e[2]}|${e[3]}|${e[4]}|${e[5]}`).sort();
  const a = lat(stored);
  const b = lat(model);
  return a.every((x, i) => {
    const [pa, pb] = [x.split('|'), b[i]!.split('|')];
    return pa.slice(0, 5).join('|') === pb.slice(0, 5).join('|') && Math.abs(Number(pa[5]) - Number(pb[5])) <= 1;
  });
}

async function verify(url: string) {
  const config = parseConfig({ ...process.env, DATABASE_URL: url });
  const db = await openMigratedDb(config);
  try {
    const [counts] = await db.query<{ spans: number; sagas: number; orphans: number; two_traces: number }>(
      `SELECT (SELECT count(*)::int FROM spans) AS spans, (SELECT count(*)::int FROM sagas) AS sagas,
              (SELECT count(*)::int FROM spans WHERE saga_id IS NULL) AS orphans,
              (SELECT count(*)::int FROM sagas WHERE cardinality(trace_ids) = 2) AS two_traces`,
    );
    const summaries = await db.query<{
      id: string; status: string; status_after: string | null; changes_ms: number | null; anomalies: string[];
      step_count: number; span_count: number; compensation_count: number; services: string[]; trace_ids: string[];
      failed_step: string | null; start_ms: number; duration_ms: number; rollup: string | null;
    }>(
      `SELECT id, status, status_after, extract(epoch FROM status_changes_at)::float8 * 1000 AS changes_ms, anomalies,
              step_count, span_count, compensation_count, services, trace_ids, failed_step,
              extract(epoch FROM started_at)::float8 * 1000 AS start_ms, duration_ms, rollup
         FROM sagas ORDER BY id`,
    );
    const nowMs = Date.now();
    const cfg = modelConfigFrom(config, nowMs);
    const mismatches = new Map<string, number>();
    const examples: string[] = [];
    const delta = new RollupDelta();
    const storedSum = new RollupDelta();
    let bucketEdge = 0;
    const statuses = new Map<string, number>();
    for (let i = 0; i < summaries.length; i += 2_000) {
      const chunk = summaries.slice(i, i + 2_000);
      const spans = await loadSagaSpans(db, chunk.map((s) => s.id));
      for (const row of chunk) {
        const own = spans.get(row.id) ?? [];
        const saga = buildSaga(row.id, own, cfg);
        const contribution = contributionOf(saga, own);
        delta.change(null, contribution);
        const storedContribution = decodeContribution(row.rollup);
        storedSum.change(null, storedContribution);
        const encoded = encodeContribution(contribution);
        const edge = row.rollup !== encoded && onlyBucketEdge(storedContribution, contribution);
        if (edge) bucketEdge++;
        const stored = row.status_after !== null && row.changes_ms !== null && row.changes_ms <= nowMs ? row.status_after : row.status;
        statuses.set(stored, (statuses.get(stored) ?? 0) + 1);
        const checks: [string, unknown, unknown][] = [
          ['status', stored, saga.status],
          ['anomalies', row.anomalies.join(','), anomalyKinds(saga.anomalies).join(',')],
          ['step_count', row.step_count, saga.stepCount],
          ['span_count', row.span_count, saga.spanCount],
          ['compensation_count', row.compensation_count, saga.compensationCount],
          ['services', row.services.join(','), saga.services.join(',')],
          ['trace_ids', row.trace_ids.join(','), saga.traceIds.join(',')],
          ['failed_step', row.failed_step, saga.failedStep],
          ['started_at', Math.round(row.start_ms), Math.round(saga.startMs)],
          ['duration_ms', Math.round(row.duration_ms), Math.round(saga.durationMs)],
          ['rollup', edge ? encoded : row.rollup, encoded],
        ];
        for (const [field, a, b] of checks) {
          if (a === b) continue;
          mismatches.set(field, (mismatches.get(field) ?? 0) + 1);
          if (examples.length < 5) examples.push(`${row.id} ${field}: stored ${String(a).slice(0, 200)} ≠ model ${String(b).slice(0, 200)}`);
        }
      }
    }
    // Rollup tables vs the sum of the contributions stored with the summaries
    // (what the ingest invariant promises, exactly) and vs a recount from spans.
    const keyed = (d: RollupDelta) => {
      const { counts: c, latency: l } = d.rows();
      const m = new Map<string, string>();
      c.series.forEach((s, i) => m.set(`c|${s}|${c.minute[i]}|${c.name[i]}|${c.k1[i]}|${c.k2[i]}|${c.k3[i]}`, `${c.calls[i]}|${c.errors[i]}|${c.retries[i]}|${c.extra[i]}`));
      l.series.forEach((s, i) => m.set(`l|${s}|${l.minute[i]}|${l.name[i]}|${l.k1[i]}|${l.k2[i]}|${l.k3[i]}|${l.bucket[i]}`, `${l.count[i]}`));
      return m;
    };
    await compactRollups(db, { wait: true }); // fold what the collectors appended last
    const actual = new Map<string, string>();
    for (const r of await db.query<{ k: string; v: string }>(
      `SELECT 'c|' || series || '|' || (extract(epoch FROM minute)::bigint / 60) || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 AS k,
              calls || '|' || errors || '|' || retries || '|' || extra AS v
         FROM rollup_counts WHERE calls <> 0 OR errors <> 0 OR retries <> 0 OR extra <> 0
       UNION ALL
       SELECT 'l|' || series || '|' || (extract(epoch FROM minute)::bigint / 60) || '|' || saga_name || '|' || k1 || '|' || k2 || '|' || k3 || '|' || bucket,
              count::text
         FROM rollup_latency WHERE count <> 0`,
    )) actual.set(r.k, r.v);
    const differing = (expected: Map<string, string>) => {
      let n = 0;
      for (const [k, v] of expected) if (actual.get(k) !== v) n++;
      for (const k of actual.keys()) if (!expected.has(k)) n++;
      return n;
    };
    const expected = keyed(delta);
    const rollupDiff = differing(keyed(storedSum));
    const recountDiff = differing(expected);
    return { ...counts!, statuses: Object.fromEntries(statuses), mismatches: Object.fromEntries(mismatches), examples, rollupRows: actual.size, rollupDiff, recountDiff, bucketEdge };
  } finally {
    await db.close();
  }
}

/** A collector's group commits so far, from its /metrics (HTTP port). */
async function batchMetrics(httpPort: number): Promise<{ count: number; spans: number; seconds: number }> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { count: value('sagascope_ingest_batch_seconds_count'), spans: value('sagascope_spans_stored_total'), seconds: value('sagascope_ingest_batch_seconds_sum') };
}

async function run(n: number) {
  const name = `sagascope_scaling_c${n}_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await admin(`CREATE DATABASE ${name}`);
  const collectors: ChildProcess[] = [];
  try {
    const migrated = await openMigratedDb(parseConfig({ ...process.env, DATABASE_URL: url.toString() }));
    await migrated.close();
    const ports = Array.from({ length: n }, (_, i) => PORT_BASE + 1 + i * 2);
    for (const port of ports) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts'], {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env, DATABASE_URL: url.toString(), SAGASCOPE_HOST: '127.0.0.1',
          COLLECTOR_GRPC_PORT: String(port), COLLECTOR_HTTP_PORT: String(port + 1), SAGASCOPE_LOG_LEVEL: 'warn',
        },
      });
      collectors.push(child);
    }
    await Promise.all(ports.map((p, i) => waitForPort(p, collectors[i]!)));

    const sender = fork(path.join(__dirname, 'scale-sender.ts'), [JSON.stringify({
      targets: ports.map((p) => `127.0.0.1:${p}`), spans: SPANS, batch: BATCH, concurrency: CONCURRENCY, seed: SEED, startMs: Date.now() - 3_600_000,
    })], { execArgv: ['--import', 'tsx'] });
    const messages: unknown[] = [];
    let wake: (() => void) | null = null;
    sender.on('message', (m) => { messages.push(m); wake?.(); });
    const next = async <T>(): Promise<T> => {
      while (messages.length === 0) await new Promise<void>((r) => (wake = r));
      const m = messages.shift() as T & { error?: string };
      if (m.error) throw new Error(m.error);
      return m;
    };
    await next<{ ready: true }>();

    const sampler = new pg.Client({ connectionString: url.toString() });
    await sampler.connect();
    const backendPids = async () =>
      (await sampler.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
    const lock = new LockSampler(sampler);
    const before = new Map<number, number>();
    for (const pid of await backendPids()) before.set(pid, cpuMs(pid));
    const collectorBefore = collectors.map((c) => cpuMs(c.pid!));
    const senderBefore = cpuMs(sender.pid!);
    const load0 = loadavg()[0]!;
    const wall0 = performance.now();
    lock.start();
    sender.send('go');
    const report = await next<{
      spans: number; sagas: number; split: number; orphans: number; crossCollector: number; elapsedMs: number;
      perTarget: { target: string; spans: number; requests: number; elapsedMs: number; retries: number }[];
    }>();
    const wallMs = performance.now() - wall0;
    const collectorCpu = collectors.map((c, i) => cpuMs(c.pid!) - collectorBefore[i]!);
    const senderCpu = cpuMs(sender.pid!) - senderBefore;
    let pgCpu = 0;
    const pids = await backendPids();
    for (const pid of pids) pgCpu += cpuMs(pid) - (before.get(pid) ?? 0);
    const lockStats = await lock.stop(wallMs);
    await sampler.end();
    const load1 = loadavg()[0]!;

    const batches = await Promise.all(ports.map((p) => batchMetrics(p + 1)));
    for (const c of collectors) c.kill('SIGTERM');
    await Promise.all(collectors.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r)))));
    const check = await verify(url.toString());
    const rate = report.spans / (report.elapsedMs / 1000);
    return { n, name, report, rate, wallMs, collectorCpu, senderCpu, pgCpu, pgBackends: pids.length, lockStats, load: [load0, load1], check, batches };
  } finally {
    for (const c of collectors) if (c.exitCode === null) c.kill('SIGKILL');
    if (!process.env.SCALE_KEEP) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function print(r: Awaited<ReturnType<typeof run>>): void {
  const s = r.report.elapsedMs / 1000;
  const pct = (ms: number) => `${Math.round(ms / 10 / s)} %`;
  const l = r.lockStats;
  console.log([
    `--- ${r.n} collector(s), database ${r.name} (load average ${r.load[0]!.toFixed(1)} → ${r.load[1]!.toFixed(1)})`,
    `sent:               ${r.report.spans} spans, ${r.report.sagas} sagas (${r.report.split} in two traces, ${r.report.crossCollector} across collectors, ${r.report.orphans} spans without saga.id)`,
    ...r.report.perTarget.map((t, i) => `  collector ${i + 1} ${t.target}: ${t.spans} spans, ${t.requests} requests, ${(t.elapsedMs / 1000).toFixed(2)} s, ${t.retries} retries, CPU ${(r.collectorCpu[i]! / 1000).toFixed(1)} s (${pct(r.collectorCpu[i]!)} of one core)`),
    `acknowledged:       ${Math.round(r.rate)} spans/s (${s.toFixed(2)} s)`,
    `CPU sender:         ${(r.senderCpu / 1000).toFixed(1)} s; PostgreSQL backends (${r.pgBackends}): ${(r.pgCpu / 1000).toFixed(1)} s (${pct(r.pgCpu)} of one core)`,
    `lock waits:         mean sessions waiting for any lock ${l.meanWaitersAny.toFixed(2)}`,
    ...l.topWaits.map((w) => `  ${w.mean.toFixed(3)} waiting on ${w.what}`),
    ...r.batches.map((b, i) => `  collector ${i + 1} batches: ${b.count}, mean ${Math.round(b.spans / Math.max(1, b.count))} spans, mean commit ${(1000 * b.seconds / Math.max(1, b.count)).toFixed(0)} ms`),
    `phase-2 lock:       held exclusively in ${(l.heldShare * 100).toFixed(0)} % of ${l.samples} samples (every ${l.periodMs.toFixed(1)} ms), mean waiters ${l.meanWaiters.toFixed(2)}; ` +
      `${l.holdsSeen} holds seen, duration p50 ${l.holdMs.p50.toFixed(0)} ms, p90 ${l.holdMs.p90.toFixed(0)} ms, max ${l.holdMs.max.toFixed(0)} ms, mean ${l.holdMs.mean.toFixed(0)} ms`,
    `stored:             ${r.check.spans} spans, ${r.check.sagas} sagas (${r.check.two_traces} with two traces), ${r.check.orphans} spans left without saga; statuses ${JSON.stringify(r.check.statuses)}`,
    `summaries vs model: ${Object.keys(r.check.mismatches).length === 0 ? 'all equal' : JSON.stringify(r.check.mismatches)}${r.check.examples.map((e) => `\n  ${e}`).join('')}`,
    `rollup tables:      ${r.check.rollupRows} rows; vs sum of stored contributions: ${r.check.rollupDiff} differ; vs recount from stored spans: ${r.check.recountDiff} differ ` +
      `(${r.check.bucketEdge} sagas with a latency one bucket apart at a histogram edge: float ms from OTLP vs stored µs)`,
  ].join('\n'));
}

async function main() {
  const results = [];
  for (const n of COLLECTORS) {
    const r = await run(n);
    print(r);
    results.push(r);
  }
  const bad = results.filter((r) => r.check.spans !== r.report.spans || r.check.orphans > 0 || Object.keys(r.check.mismatches).length > 0 || r.check.rollupDiff > 0);
  if (bad.length > 0) throw new Error(`incorrect result with ${bad.map((r) => r.n).join(', ')} collector(s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
