/**
 * `npm run bench:export:1m`: a 1,000,000-span export through the real HTTP route
 * of a running server process. Loads BENCH_EXPORT_ROWS spans (default 1,000,000;
 * synthetic saga traffic, realistic attributes) into a scratch database with
 * COPY, starts server/start.ts, and GETs /api/export?kind=spans&format=… with an
 * auditor's API token, reading the body at full speed in this process while it
 * samples the SERVER process's RSS from /proc/<pid>/status every 100 ms.
 * Row counts come from the export's manifest (what the server says it sent) and
 * are checked against the table.
 * Targets (issue #6): ≥ 50,000 rows/s; server peak RSS ≤ 256 MB.
 *
 *   BENCH_EXPORT_ROWS (1000000)  BENCH_EXPORT_PORT (3151)  BENCH_EXPORT_FORMATS (csv,ndjson,json)
 *   BENCH_EXPORT_GRPC_PORT (15202)  BENCH_EXPORT_HTTP_PORT (15203)  the server's collector ports
 *   BENCH_EXPORT_CPU_PROF=<dir>  run the server with --cpu-prof (profile written when it stops)
 *   BENCH_EXPORT_NODE_ARGS="…"   more node flags for the server (e.g. --trace-gc)
 *   BENCH_DB_PREFIX              scratch database prefix (sagascope_uibench_export), so that
 *                                benchmarks run side by side do not collide
 *   BENCH_EXPORT_KEEP_DB=1       keep the scratch database (its name is printed)
 *   BENCH_EXPORT_DB=<name>       reuse a database kept by an earlier run (skips the load; the
 *                                table's row count is read from it; it is kept afterwards)
 */
import { randomUUID } from 'node:crypto';
import { generateSagas } from './saga-generator';
import { toSpanRows } from '../lib/ingest/span-row';
import { spanCopyLine, COLUMN_LIST } from '../lib/ingest/span-writer';
import { copyChunks } from '../lib/db/copy-chunks';
import { insertApiToken } from '../lib/auth/user-store';
import { newApiToken } from '../lib/auth/secrets';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import type { Db } from '../lib/db/connection';
import { EXPORT_FORMATS, type ExportFormat } from '../lib/export/format';
import { EXPORT_ID_HEADER } from '../lib/export/manifest';
import { setLogLevel } from '../lib/log';
import pg from 'pg';
import http from 'node:http';
import { createScratchDb, existingDb, readCpuSeconds, readMemory, sampleRss, startServer, type ServerProcess } from './support/server-process';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const PORT = Number(process.env.BENCH_EXPORT_PORT ?? 3151);
const GRPC_PORT = Number(process.env.BENCH_EXPORT_GRPC_PORT ?? 15202);
const HTTP_PORT = Number(process.env.BENCH_EXPORT_HTTP_PORT ?? 15203);
const DB_PREFIX = process.env.BENCH_DB_PREFIX ?? 'sagascope_uibench_export';
const REUSE_DB = process.env.BENCH_EXPORT_DB;
const ADMIN_URL = process.env.SAGASCOPE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const FORMATS = (process.env.BENCH_EXPORT_FORMATS ?? EXPORT_FORMATS.join(',')).split(',') as ExportFormat[];
const TOTAL_TIMEOUT_MS = 30 * 60_000;
const EXPORT_TIMEOUT_MS = 10 * 60_000;
const ROWS_PER_S_TARGET = 50_000;
const RSS_TARGET_MB = 256;
const MiB = 1024 * 1024;
const CHUNK_SPANS = 20_000;

/** Two COPY streams in parallel (index maintenance is the ceiling; see TOOLCHAIN-NOTES). */
async function loadSpans(db: Db, total: number): Promise<number> {
  let next = 0;
  let stored = 0;
  const resources = new Map<string, string>();
  const worker = async (): Promise<void> => {
    for (;;) {
      const chunk = next++;
      const want = Math.min(CHUNK_SPANS, total - chunk * CHUNK_SPANS);
      if (want <= 0) return;
      const gen = generateSagas({ minSpans: want, failRate: 0.1, seed: 1000 + chunk, startMs: Date.now() - 86_400_000 + chunk * 60_000 });
      const rows = toSpanRows(gen.spans.slice(0, want));
      for (const r of rows) resources.set(r.resourceId, r.resourceJson);
      await db.transaction(async (tx) => {
        await tx.copyFrom!(`COPY spans (${COLUMN_LIST}) FROM STDIN`, copyChunks(rows, spanCopyLine));
      });
      stored += rows.length;
    }
  };
  await Promise.all([worker(), worker()]);
  await db.query(`INSERT INTO resources (id, attributes) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (id) DO NOTHING`, [
    [...resources.keys()],
    [...resources.values()],
  ]);
  return stored;
}

interface Run {
  format: ExportFormat;
  rows: number;
  bytes: number;
  seconds: number;
  firstByteMs: number;
  baselineMiB: number;
  peakMiB: number;
  samples: number;
  /** CPU seconds the server process used during the export. */
  serverCpuS: number;
  /** CPU seconds of the PostgreSQL backend serving the export (NaN if not found). */
  pgCpuS: number;
  /** CPU seconds of this process (the client reading the body). */
  clientCpuS: number;
}

/** The backend running the export's long transaction (found once the body flows). */
async function exportBackendPid(dbName: string): Promise<number | null> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    const r = await c.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          AND xact_start IS NOT NULL ORDER BY xact_start LIMIT 1`,
      [dbName],
    );
    return r.rows[0]?.pid ?? null;
  } finally {
    await c.end();
  }
}

async function exportOnce(server: ServerProcess, token: string, format: ExportFormat, dbName: string): Promise<Run> {
  const baseline = readMemory(server.pid)!;
  const sampler = sampleRss(server.pid, 100);
  const cpu0 = readCpuSeconds(server.pid);
  const client0 = process.cpuUsage();
  let pgPid: number | null = null;
  let pgCpu0 = NaN;
  const t0 = performance.now();
  // node:http rather than fetch: the client shares the 2 cores with the server and
  // PostgreSQL, and undici's web streams cost it about twice the CPU per byte.
  let bytes = 0;
  let firstByteMs = NaN;
  const id = await new Promise<string | null>((resolve, reject) => {
    const req = http.get(`${server.baseUrl}/api/export?kind=spans&format=${format}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET /api/export ${format}: ${res.statusCode}`));
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (Number.isNaN(firstByteMs)) {
          firstByteMs = performance.now() - t0;
          // Found while the body flows (the read pauses briefly; PostgreSQL and the server keep going).
          res.pause();
          void exportBackendPid(dbName).then((pid) => {
            pgPid = pid;
            if (pid) pgCpu0 = readCpuSeconds(pid);
            res.resume();
          }, reject);
        }
        bytes += chunk.length;
      });
      res.on('end', () => resolve((res.headers[EXPORT_ID_HEADER.toLowerCase()] as string | undefined) ?? null));
      res.on('error', reject);
    });
    const limit = setTimeout(() => req.destroy(new Error(`export ${format} took over ${EXPORT_TIMEOUT_MS} ms`)), EXPORT_TIMEOUT_MS);
    req.on('close', () => clearTimeout(limit));
    req.on('error', reject);
  });
  const seconds = (performance.now() - t0) / 1000;
  const mem = sampler.stop();
  const serverCpuS = readCpuSeconds(server.pid) - cpu0;
  const pgCpuS = pgPid ? readCpuSeconds(pgPid) - pgCpu0 : NaN;
  const clientCpu = process.cpuUsage(client0);
  const clientCpuS = (clientCpu.user + clientCpu.system) / 1e6;
  const manifest = await fetch(`${server.baseUrl}/api/export/manifest?id=${encodeURIComponent(id ?? '')}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (!manifest.ok) throw new Error(`manifest of export ${id}: ${manifest.status}`);
  const m = (await manifest.json()) as { rows: number; bytes: number };
  if (m.bytes !== bytes) throw new Error(`${format}: read ${bytes} bytes, the manifest says ${m.bytes}`);
  return { format, rows: m.rows, bytes, seconds, firstByteMs, baselineMiB: (baseline.rssKiB * 1024) / MiB, peakMiB: (mem.peakKiB * 1024) / MiB, samples: mem.samples, serverCpuS, pgCpuS, clientCpuS };
}

function print(r: Run): void {
  console.log(
    `  ${r.format.padEnd(7)} ${r.rows.toLocaleString('en-US').padStart(10)} rows ${(r.bytes / MiB).toFixed(0).padStart(5)} MiB in ${r.seconds.toFixed(1).padStart(5)} s  ` +
      `${Math.round(r.rows / r.seconds).toLocaleString('en-US').padStart(8)} rows/s ${(r.bytes / MiB / r.seconds).toFixed(1).padStart(5)} MiB/s  ` +
      `first byte ${Math.round(r.firstByteMs)} ms  server RSS ${r.baselineMiB.toFixed(0)} → peak ${r.peakMiB.toFixed(0)} MiB (${r.samples} samples)  ` +
      `\n          CPU per row: server ${((r.serverCpuS / r.rows) * 1e6).toFixed(1)} µs, PostgreSQL backend ${((r.pgCpuS / r.rows) * 1e6).toFixed(1)} µs, ` +
      `client ${((r.clientCpuS / r.rows) * 1e6).toFixed(1)} µs (server ${r.serverCpuS.toFixed(1)} s, backend ${r.pgCpuS.toFixed(1)} s, client ${r.clientCpuS.toFixed(1)} s)`,
  );
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const watchdog = setTimeout(() => {
    console.error(`bench:export:1m took longer than ${TOTAL_TIMEOUT_MS / 60_000} min: giving up`);
    process.exit(2);
  }, TOTAL_TIMEOUT_MS);
  watchdog.unref();
  const scratch = REUSE_DB ? existingDb(REUSE_DB) : await createScratchDb(DB_PREFIX);
  let server: ServerProcess | null = null;
  try {
    const db = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_LOG_LEVEL: 'warn' }));
    let t = performance.now();
    let stored: number;
    if (REUSE_DB) {
      const [row] = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM spans');
      stored = Number(row!.n);
      console.log(`bench:export:1m — reusing database ${scratch.name}: ${stored.toLocaleString('en-US')} spans`);
    } else {
      stored = await loadSpans(db, ROWS);
      await db.query('ANALYZE spans');
      const loadS = (performance.now() - t) / 1000;
      console.log(`bench:export:1m — ${stored.toLocaleString('en-US')} spans COPied in ${loadS.toFixed(1)} s (${Math.round(stored / loadS).toLocaleString('en-US')} rows/s), database ${scratch.name}`);
    }
    const auditor = newApiToken();
    await insertApiToken(db, { id: randomUUID(), name: 'bench-auditor', role: 'auditor', tokenHash: auditor.hash, prefix: auditor.prefix, createdBy: 'bench', now: new Date(), expiresAt: null });
    await db.close();

    const cpuProf = process.env.BENCH_EXPORT_CPU_PROF;
    server = await startServer({
      port: PORT,
      grpcPort: GRPC_PORT,
      httpPort: HTTP_PORT,
      databaseUrl: scratch.url,
      nodeArgs: [...(cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : []), ...(process.env.BENCH_EXPORT_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
    });
    // One small export first: the route's code is loaded before the baseline is read.
    t = performance.now();
    const warm = await fetch(`${server.baseUrl}/api/export?kind=spans&format=csv&to=1970-01-02T00:00:00Z`, { headers: { authorization: `Bearer ${auditor.token}` } });
    await warm.arrayBuffer();
    const idle = readMemory(server.pid)!;
    console.log(`server pid ${server.pid}: RSS after start + one empty export ${(idle.rssKiB / 1024).toFixed(0)} MiB (VmHWM so far ${(idle.hwmKiB / 1024).toFixed(0)} MiB)\n`);
    console.log('GET /api/export?kind=spans (whole table), client reading at full speed:');
    const runs: Run[] = [];
    for (const format of FORMATS) {
      const r = await exportOnce(server, auditor.token, format, scratch.name);
      print(r);
      runs.push(r);
      if (r.rows !== stored) throw new Error(`${format}: the export has ${r.rows} rows, the table ${stored}`);
    }
    const end = readMemory(server.pid)!;
    console.log(`server VmHWM (peak RSS over its whole life, incl. start-up and build check): ${(end.hwmKiB / 1024).toFixed(0)} MiB`);
    const worstRate = Math.min(...runs.map((r) => r.rows / r.seconds));
    const worstPeakMB = Math.max(...runs.map((r) => (r.peakMiB * MiB) / 1e6));
    const ok1 = worstRate >= ROWS_PER_S_TARGET;
    const ok2 = worstPeakMB <= RSS_TARGET_MB;
    console.log('\ntargets:');
    console.log(`  ${ok1 ? 'PASS' : 'MISS'} ≥ ${ROWS_PER_S_TARGET.toLocaleString('en-US')} rows/s: slowest format ${Math.round(worstRate).toLocaleString('en-US')} rows/s`);
    console.log(`  ${ok2 ? 'PASS' : 'MISS'} server peak RSS ≤ ${RSS_TARGET_MB} MB during the exports: ${worstPeakMB.toFixed(0)} MB (${(worstPeakMB * 1e6 / MiB).toFixed(0)} MiB)`);
    process.exitCode = ok1 && ok2 ? 0 : 1;
  } catch (err) {
    if (server) console.error(server.output());
    throw err;
  } finally {
    await server?.stop();
    if (process.env.BENCH_EXPORT_KEEP_DB !== '1' && !REUSE_DB) await scratch.drop();
    clearTimeout(watchdog);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
