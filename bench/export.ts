/**
 * `npm run bench:export`: streamed export throughput and memory, against the
 * real PostgreSQL server. Generates BENCH_EXPORT_ROWS spans (default 200000) in
 * a scratch database, then exports them through the export core
 * (lib/export/stream.ts: server-side cursor, encoding, SHA-256, audit entries)
 * in each format, reading the stream as a client would. Prints rows/s, MB/s and
 * the process's peak RSS above its baseline — for a quarter of the rows and for
 * all of them, so you can see memory does not grow with the export's size.
 *
 * Spans go through both paths of lib/export/stream.ts: the COPY fast path
 * (`copy`, lib/export/span-copy.ts) and the row-object path every other kind
 * uses (`rows`: cursor, row objects, ExportEncoder); CPU per row is this
 * process's (client + export), PostgreSQL's backend not included.
 *
 *   BENCH_EXPORT_ROWS (default 200000)   SAGASCOPE_TEST_DATABASE_URL (admin connection)
 *   BENCH_EXPORT_PATHS (default copy,rows)
 */
import { createScratchDatabase } from '../test/integration/harness';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { startExport } from '../lib/export/stream';
import { parseExportQuery } from '../lib/export/query';
import type { ExportFormat } from '../lib/export/format';
import type { Db } from '../lib/db/connection';
import { setLogLevel } from '../lib/log';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 200_000);
const PATHS = (process.env.BENCH_EXPORT_PATHS ?? 'copy,rows').split(',') as ('copy' | 'rows')[];
const MiB = 1024 * 1024;

async function generateSpans(db: Db, from: number, to: number): Promise<void> {
  await db.query(
    `INSERT INTO spans (trace_id, span_id, saga_id, service, name, kind, start_time, end_time, duration_ms, status_code,
                        status_message, saga_name, step, step_index, op, attempt, attributes, resource_id, shard_key)
     SELECT lpad(to_hex(g / 4), 32, '0'), lpad(to_hex(g), 16, '0'), 'bench-saga-' || (g / 4), 'svc-' || (g % 7),
            'POST /step-' || (g % 4), 2, now() - make_interval(secs => g / 1000.0), now() - make_interval(secs => g / 1000.0) + interval '3 ms',
            3.0, CASE WHEN g % 50 = 0 THEN 2 ELSE 1 END, CASE WHEN g % 50 = 0 THEN 'declined, "retry"' END,
            'checkout', 'step-' || (g % 4), g % 4, 'action', 1,
            jsonb_build_object('saga.id', 'bench-saga-' || (g / 4), 'http.url', 'http://svc-' || (g % 7) || '/step?gid=' || g,
                               'http.status_code', 200, 'note', '=1+1'),
            'bench-resource', 'bench-saga-' || (g / 4)
       FROM generate_series($1::int, $2::int) AS g`,
    [from, to],
  );
}

interface Run {
  format: ExportFormat;
  path: 'copy' | 'rows';
  cpuS: number;
  rows: number;
  bytes: number;
  seconds: number;
  peakRssMiB: number;
  baselineRssMiB: number;
}

async function runExport(db: Db, format: ExportFormat, path: 'copy' | 'rows'): Promise<Run> {
  const spec = parseExportQuery(new URLSearchParams({ kind: 'spans', format }));
  if (!spec.ok) throw new Error(spec.error);
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const exp = await startExport(db, { actor: 'bench', role: 'system', via: 'system' }, spec.value, { rowObjects: path === 'rows' });
  const reader = exp.stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const [row] = await db.query<{ rows: number }>(`SELECT (result->>'rows')::int AS rows FROM audit_log WHERE request->>'exportId' = $1 AND outcome = 'ok'`, [exp.id]);
  return { format, path, cpuS: (cpu.user + cpu.system) / 1e6, rows: row?.rows ?? -1, bytes, seconds, peakRssMiB: peak / MiB, baselineRssMiB: baseline / MiB };
}

function print(label: string, r: Run): void {
  console.log(
    `${label.padEnd(14)} ${r.path.padEnd(4)} ${r.format.padEnd(7)} ${String(r.rows).padStart(8)} rows  ${(r.bytes / MiB).toFixed(1).padStart(7)} MiB  ` +
      `${Math.round(r.rows / r.seconds).toLocaleString('en-US').padStart(9)} rows/s  ${(r.bytes / MiB / r.seconds).toFixed(1).padStart(6)} MiB/s  ` +
      `CPU ${((r.cpuS / r.rows) * 1e6).toFixed(1).padStart(5)} µs/row  peak RSS ${r.peakRssMiB.toFixed(0)} MiB (+${(r.peakRssMiB - r.baselineRssMiB).toFixed(0)} over baseline)`,
  );
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const scratch = await createScratchDatabase();
  const config = parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_LOG_LEVEL: 'warn' });
  const db = await openMigratedDb(config);
  try {
    await db.query(`INSERT INTO resources (id, attributes) VALUES ('bench-resource', '{"service.name": "bench", "host.name": "bench-1"}')`);
    const quarter = Math.floor(ROWS / 4);
    console.log(`export benchmark: spans, PostgreSQL server, paths: ${PATHS.join(', ')}`);
    console.log(`generating ${quarter} spans…`);
    await generateSpans(db, 1, quarter);
    await db.query('ANALYZE spans');
    const small: Run[] = [];
    for (const format of ['csv', 'ndjson', 'json'] as const) for (const path of PATHS) {
      const r = await runExport(db, format, path);
      small.push(r);
      print(`${quarter} spans`, r);
    }
    console.log(`generating ${ROWS - quarter} more spans…`);
    await generateSpans(db, quarter + 1, ROWS);
    await db.query('ANALYZE spans');
    const large: Run[] = [];
    for (const format of ['csv', 'ndjson', 'json'] as const) for (const path of PATHS) {
      const r = await runExport(db, format, path);
      large.push(r);
      print(`${ROWS} spans`, r);
    }
    for (const r of small) if (r.rows !== quarter) throw new Error(`row count mismatch for ${r.format}: ${r.rows}`);
    for (const r of large) if (r.rows !== ROWS) throw new Error(`row count mismatch for ${r.format}: ${r.rows}`);
    const growth = Math.max(...large.map((r) => r.peakRssMiB)) - Math.max(...small.map((r) => r.peakRssMiB));
    console.log(`peak RSS with ${ROWS / quarter}× the rows: ${growth >= 0 ? '+' : ''}${growth.toFixed(0)} MiB (bounded: batches, not the result set, are held in memory)`);
  } finally {
    await db.close();
    await scratch.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
