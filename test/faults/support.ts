/**
 * Shared parts of the fault tests: scratch databases (sagascope_faults_*), a
 * collector as a child process (`tsx collector/main.ts`, so it can be SIGKILLed
 * and its memory measured on its own), its RSS from /proc, raw OTLP/HTTP
 * protobuf requests, and the consistency checks every fault ends with.
 */
import pg from 'pg';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import type { FlatSpan } from '../../lib/otlp/types';
import { SERIES } from '../../lib/stats/series';
import { makeSpan } from '../support/spans';

export const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const ROOT = path.resolve(__dirname, '../..');

export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], database?: string): Promise<T[]> {
  const url = new URL(ADMIN_URL);
  if (database) url.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export interface FaultDb {
  name: string;
  url: string;
  /** The database's own role (not a superuser), when asked for: connection limits apply to it. */
  role: string | null;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/**
 * A scratch database. With `ownRole`, it belongs to a role of its own that the
 * collector connects as: unlike a superuser, that role is subject to the
 * database's CONNECTION LIMIT, which lets a test keep the collector out for a while.
 */
export async function createFaultDb(opts: { ownRole?: boolean } = {}): Promise<FaultDb> {
  const name = `sagascope_faults_${randomBytes(5).toString('hex')}`;
  const role = opts.ownRole ? name : null;
  if (role) await adminQuery(`CREATE ROLE ${role} LOGIN`);
  await adminQuery(`CREATE DATABASE ${name}${role ? ` OWNER ${role}` : ''}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  if (role) url.username = role;
  return {
    name,
    url: url.toString(),
    role,
    query: (sql, params = []) => adminQuery(sql, params, name),
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      if (role) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    },
  };
}

/** Ends every connection to the database but the caller's own; returns how many. */
export async function killBackends(dbName: string): Promise<number> {
  const rows = await adminQuery<{ n: string }>(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [dbName],
  );
  return Number(rows[0]!.n);
}

// ---- the collector as a child process ------------------------------------------------------

export interface ChildCollector {
  proc: ChildProcess;
  pid: number;
  httpUrl: string;
  grpcUrl: string;
  /** Everything it wrote to stderr / stdout (bounded). */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful: commits what it accepted), and wait for the exit. */
  stop(): Promise<void>;
}

export async function startChildCollector(env: Record<string, string>, httpPort: number, grpcPort: number): Promise<ChildCollector> {
  // node --import tsx rather than the tsx CLI: one process, so its pid is the collector's (RSS, SIGKILL).
  const proc = spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SAGASCOPE_HOST: '127.0.0.1',
      COLLECTOR_HTTP_PORT: String(httpPort),
      COLLECTOR_GRPC_PORT: String(grpcPort),
      SAGASCOPE_LOG_LEVEL: 'warn',
      ...env,
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`collector exited at start (${proc.exitCode}): ${out}`);
    try {
      const res = await fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`collector did not start within 60 s: ${out}`);
    }
    await sleep(100);
  }
  return {
    proc,
    pid: proc.pid!,
    httpUrl,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    output: () => out,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The whole product as `npm start` runs it (server/start.ts: collector and
 * Next.js UI in one process, same node flags), against a PostgreSQL database;
 * builds the UI first if its sources changed (which can take minutes here).
 */
export async function startChildServer(
  env: Record<string, string>,
  ports: { ui: number; http: number; grpc: number },
  startTimeoutMs = 600_000,
): Promise<ChildCollector & { uiUrl: string }> {
  const proc = spawn(process.execPath, ['--max-semi-space-size=4', '--heap-growing-percent=20', '--require', 'tsx/cjs', 'server/start.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      SAGASCOPE_HOST: '127.0.0.1',
      PORT: String(ports.ui),
      COLLECTOR_HTTP_PORT: String(ports.http),
      COLLECTOR_GRPC_PORT: String(ports.grpc),
      SAGASCOPE_DEMO: 'false',
      SAGASCOPE_LOG_LEVEL: 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      ...env,
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const uiUrl = `http://127.0.0.1:${ports.ui}`;
  const httpUrl = `http://127.0.0.1:${ports.http}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited at start (${proc.exitCode}): ${out}`);
    try {
      const [ui, collector] = await Promise.all([
        fetch(`${uiUrl}/api/health`, { signal: AbortSignal.timeout(2_000) }),
        fetch(`${httpUrl}/health`, { signal: AbortSignal.timeout(2_000) }),
      ]);
      if (ui.status === 200 && collector.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start within ${startTimeoutMs / 1000} s: ${out}`);
    }
    await sleep(250);
  }
  return {
    proc,
    pid: proc.pid!,
    uiUrl,
    httpUrl,
    grpcUrl: `http://127.0.0.1:${ports.grpc}`,
    output: () => out,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** VmRSS and VmHWM of a process, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak seen and the kernel's high-water mark. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { peakMiB: number; hwmMiB: number; samples: number } } {
  let peak = 0;
  let hwm = 0;
  let samples = 0;
  const take = () => {
    const m = memoryOf(pid);
    if (!m) return;
    samples++;
    peak = Math.max(peak, m.rssMiB);
    hwm = Math.max(hwm, m.hwmMiB);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakMiB: peak, hwmMiB: hwm, samples };
    },
  };
}

// ---- raw OTLP/HTTP ---------------------------------------------------------------------------

export interface PostResult {
  status: number;
  retryAfter: string | null;
  ms: number;
}

/** One OTLP/HTTP protobuf export request; a connection failure is status 0. */
export function postSpans(httpUrl: string, spans: readonly FlatSpan[], timeoutMs = 30_000): Promise<PostResult> {
  return postBody(httpUrl, encodeProtobufRequest(spans), timeoutMs);
}

/** One OTLP/HTTP protobuf export request with a body encoded beforehand. */
export async function postBody(httpUrl: string, body: Uint8Array, timeoutMs = 30_000): Promise<PostResult> {
  const started = performance.now();
  try {
    const res = await fetch(`${httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
  } catch {
    return { status: 0, retryAfter: null, ms: performance.now() - started };
  }
}

/** Export requests by outcome from a collector's /metrics. */
export async function requestOutcomes(httpUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^sagascope_export_requests_total\{transport="(\w+)",outcome="(\w+)"\} (\d+)$/gm)) {
    out[`${m[1]}/${m[2]}`] = Number(m[3]);
  }
  return out;
}

// ---- checks ------------------------------------------------------------------------------------

export const spanKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;

/** Every span of the database, as trace:span keys; asserts that none is stored twice. */
export async function storedKeys(db: FaultDb): Promise<Set<string>> {
  const rows = await db.query<{ k: string }>(`SELECT trace_id || ':' || span_id AS k FROM spans`);
  const keys = new Set(rows.map((r) => r.k));
  expect(keys.size, 'a span is stored twice').toBe(rows.length);
  return keys;
}

/**
 * Summaries and rollups agree with the spans they were built from: every saga's
 * span_count is its spans, the saga rollup counts every saga once under its
 * status, and the step rollup counts every step span once (each step span is one
 * run in the fault tests' sagas).
 */
export async function expectSummariesConsistent(db: FaultDb): Promise<{ sagas: number }> {
  const wrongCounts = await db.query(
    `SELECT s.id, s.span_count, count(sp.span_id)::int AS actual
       FROM sagas s LEFT JOIN spans sp ON sp.saga_id = s.id
      GROUP BY s.id, s.span_count HAVING s.span_count <> count(sp.span_id)`,
  );
  expect(wrongCounts, 'sagas whose span_count is not their spans').toEqual([]);
  const orphans = await db.query(`SELECT DISTINCT saga_id FROM spans WHERE saga_id IS NOT NULL AND saga_id NOT IN (SELECT id FROM sagas)`);
  expect(orphans, 'spans of sagas without a summary').toEqual([]);
  const byStatus = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM sagas GROUP BY status ORDER BY status`);
  const rolled = await db.query<{ status: string; n: number }>(
    `SELECT k1 AS status, sum(calls)::int AS n FROM rollup_counts_all WHERE series = $1 GROUP BY k1 HAVING sum(calls) <> 0 ORDER BY k1`,
    [SERIES.saga],
  );
  expect(rolled).toEqual(byStatus);
  const [steps] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE op IS NOT NULL`);
  const [stepCalls] = await db.query<{ n: number }>(`SELECT coalesce(sum(calls), 0)::int AS n FROM rollup_counts_all WHERE series = $1`, [SERIES.step]);
  expect(stepCalls!.n).toBe(steps!.n);
  return { sagas: byStatus.reduce((a, r) => a + r.n, 0) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Free-form figures a test measured, printed for docs/faults.md. */
export function report(name: string, figures: Record<string, unknown>): void {
  console.log(`[faults] ${name} ${JSON.stringify(figures)}`);
}

/** `sagas` small sagas (a coordinator span and four steps each) as raw spans, with ids that are unique across runs. */
export function sagaSpans(tag: string, sagas: number): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (let i = 0; i < sagas; i++) {
    const id = `${tag}-${randomBytes(6).toString('hex')}`;
    const traceId = randomBytes(16).toString('hex');
    const t0 = Date.now() - 5_000;
    const root = makeSpan({
      traceId,
      name: 'saga checkout',
      startMs: t0,
      endMs: t0 + 50,
      service: 'orchestrator',
      attributes: { 'saga.id': id, 'saga.name': 'fault-load', 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
    });
    out.push(root);
    ['order', 'stock', 'pay', 'ship'].forEach((step, k) =>
      out.push(
        makeSpan({
          traceId,
          parentSpanId: root.spanId,
          name: `action ${step}`,
          startMs: t0 + 1 + k * 10,
          endMs: t0 + 6 + k * 10,
          service: step,
          attributes: { 'saga.id': id, 'saga.step': step, 'saga.step.index': k + 1, 'saga.op': 'action', 'saga.attempt': 1, 'saga.role': 'participant' },
        }),
      ),
    );
  }
  return out;
}

/** Which of the given spans are stored, and how often (a span stored twice would show up here as 2). */
export async function storedCounts(db: FaultDb, spans: readonly { traceId: string; spanId: string }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const chunk = 5_000;
  for (let i = 0; i < spans.length; i += chunk) {
    const part = spans.slice(i, i + chunk);
    const rows = await db.query<{ k: string; n: number }>(
      `SELECT trace_id || ':' || span_id AS k, count(*)::int AS n FROM spans
        WHERE (trace_id, span_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) GROUP BY 1`,
      [part.map((s) => s.traceId), part.map((s) => s.spanId)],
    );
    for (const r of rows) out.set(r.k, r.n);
  }
  return out;
}
