/**
 * `npm run bench:query`: read latency of the API on the data set loaded by
 * `npm run bench:query:load` (run that first). Starts the real server
 * (server/start.ts: Next.js production build, no collector, no demo, anonymous
 * reads) against DATABASE_URL and times real HTTP requests from this client,
 * one at a time: warm-up, then up to BENCH_REQUESTS per query (bounded by
 * BENCH_SECONDS per query). Prints p50 / p95 / max and whether each target of
 * issue #5 is met.
 *
 * Time windows ("last hour", "24 h") end at the newest saga's start, so the
 * figures do not depend on how long ago the data was loaded; the same handlers
 * serve `range=24h` with the same query shape.
 *
 *   DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/sagascope_bench_query)
 *   BENCH_PORT (3140)  BENCH_REQUESTS (200)  BENCH_WARMUP (10)  BENCH_SECONDS (60)
 *   BENCH_ONLY: run only the queries whose label contains this text (e.g. `stats`)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { z } from 'zod';
import { seededRandom } from '../lib/random';

const env = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//).default('postgresql://postgres@127.0.0.1:5432/sagascope_bench_query'),
    BENCH_PORT: z.coerce.number().int().min(1).max(65535).default(3140),
    BENCH_REQUESTS: z.coerce.number().int().min(1).max(100_000).default(200),
    BENCH_WARMUP: z.coerce.number().int().min(0).max(1000).default(10),
    BENCH_SECONDS: z.coerce.number().min(1).max(3600).default(60),
    BENCH_ONLY: z.string().optional(),
  })
  .parse(process.env);

const HOUR = 3_600_000;
const SERVER_READY_MS = 15 * 60_000; // the first start may build the UI (next build)

interface Target {
  label: string;
  p95Ms: number;
}
const LIST: Target = { label: 'list and detail p95 ≤ 50 ms', p95Ms: 50 };
const STATS: Target = { label: 'stats and topology p95 ≤ 200 ms', p95Ms: 200 };
const SEARCH: Target = { label: 'search (business key, id prefix, span id) p95 ≤ 20 ms', p95Ms: 20 };

interface Query {
  label: string;
  target: Target;
  /** Path and query of request n. */
  path: (n: number) => string;
  /** The answer must list at least one saga (a search that finds nothing measures nothing). */
  finds?: boolean;
}

interface DataSet {
  sagas: number;
  spans: number;
  newestMs: number;
  ids: string[];
  /** Sampled business keys (name, value) and span ids, for the search queries (issue 18). */
  keys: { name: string; value: string }[];
  spanIds: string[];
}

const shuffled = <T>(items: T[], seed: number): T[] => {
  const rand = seededRandom(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

async function dataSet(url: string): Promise<DataSet> {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`cannot connect to ${url} (${(err as Error).message}): run \`npm run bench:query:load\` first`);
  }
  try {
    const table = await c.query(`SELECT to_regclass('sagas') IS NOT NULL AS ok`);
    const [row] = table.rows[0].ok
      ? (
          await c.query<{ sagas: string; spans: string; newest: number | null }>(
            `SELECT (SELECT count(*) FROM sagas) AS sagas,
                    (SELECT reltuples::bigint FROM pg_class WHERE relname = 'spans') AS spans,
                    (SELECT extract(epoch FROM max(started_at))::float8 * 1000 FROM sagas) AS newest`,
          )
        ).rows
      : [{ sagas: '0', spans: '0', newest: null }];
    if (Number(row!.sagas) === 0 || row!.newest === null) {
      throw new Error(`no sagas in ${url}: run \`npm run bench:query:load -- --sagas 1000000\` first`);
    }
    // Random existing sagas for the detail requests: a sample of whole pages, shuffled below.
    const sampled = await c.query<{ id: string }>(`SELECT id FROM sagas TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 5000`);
    const ids = sampled.rows.map((r) => r.id);
    if (ids.length === 0) ids.push(...(await c.query<{ id: string }>(`SELECT id FROM sagas LIMIT 1000`)).rows.map((r) => r.id));
    const rand = seededRandom(11);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    const keys = shuffled((await c.query<{ name: string; value: string }>(`SELECT (names::text[])[1] AS name, value FROM saga_keys TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT 5000`)).rows, 12);
    if (keys.length === 0) throw new Error(`no business keys in ${url}: load the data set again (npm run bench:query:load)`);
    const spanIds = shuffled((await c.query<{ span_id: string }>(`SELECT span_id FROM spans TABLESAMPLE SYSTEM (0.1) REPEATABLE (7) LIMIT 5000`)).rows.map((r) => r.span_id), 13);
    return { sagas: Number(row!.sagas), spans: Number(row!.spans), newestMs: Number(row!.newest), ids, keys, spanIds };
  } finally {
    await c.end();
  }
}

function startServer(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/start.ts'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: env.DATABASE_URL,
      PORT: String(env.BENCH_PORT),
      SAGASCOPE_HOST: '127.0.0.1',
      SAGASCOPE_DEMO: 'false',
      SAGASCOPE_START_COLLECTOR: 'false',
      SAGASCOPE_AUTH: 'off',
      SAGASCOPE_LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + SERVER_READY_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before answering`);
    try {
      const res = await fetch(`${base}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`the server did not answer within ${SERVER_READY_MS / 60_000} min`);
}

async function timeRequest(base: string, path: string, finds = false): Promise<number> {
  const t = performance.now();
  const res = await fetch(base + path);
  const body = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 300)}`);
  if (finds && !body.startsWith('{"items":[{')) throw new Error(`GET ${path}: found no saga (${body.slice(0, 200)})`);
  return ms;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

interface Result {
  q: Query;
  n: number;
  p50: number;
  p95: number;
  max: number;
}

async function measure(base: string, q: Query): Promise<Result> {
  for (let i = 0; i < env.BENCH_WARMUP; i++) await timeRequest(base, q.path(i), q.finds);
  const ms: number[] = [];
  const deadline = performance.now() + env.BENCH_SECONDS * 1000;
  for (let i = 0; i < env.BENCH_REQUESTS && performance.now() < deadline; i++) ms.push(await timeRequest(base, q.path(env.BENCH_WARMUP + i), q.finds));
  ms.sort((a, b) => a - b);
  return { q, n: ms.length, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: ms[ms.length - 1]! };
}

async function main(): Promise<void> {
  const data = await dataSet(env.DATABASE_URL);
  const to = new Date(data.newestMs + 1000);
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const lastHour = `from=${iso(to.getTime() - HOUR)}&to=${iso(to.getTime())}`;
  const lastDay = `from=${iso(to.getTime() - 24 * HOUR)}&to=${iso(to.getTime())}`;
  const all: Query[] = [
    { label: '/api/sagas', target: LIST, path: () => '/api/sagas' },
    { label: '/api/sagas?status=failed', target: LIST, path: () => '/api/sagas?status=failed' },
    { label: '/api/sagas?name=checkout', target: LIST, path: () => '/api/sagas?name=checkout' },
    { label: '/api/sagas?service=payment', target: LIST, path: () => '/api/sagas?service=payment' },
    { label: '/api/sagas?anomaly=missing_compensation', target: LIST, path: () => '/api/sagas?anomaly=missing_compensation' },
    { label: '/api/sagas?from&to (last hour)', target: LIST, path: () => `/api/sagas?${lastHour}` },
    { label: '/api/sagas/{id} (random ids)', target: LIST, path: (n) => `/api/sagas/${encodeURIComponent(data.ids[n % data.ids.length]!)}` },
    { label: '/api/stats 24 h', target: STATS, path: () => `/api/stats?${lastDay}` },
    { label: '/api/stats 24 h, name=checkout', target: STATS, path: () => `/api/stats?${lastDay}&name=checkout` },
    { label: '/api/topology 1 h', target: STATS, path: () => `/api/topology?${lastHour}` },
    // Search (issue 18): a business-key value in another case, one key by name, a saga id's
    // first characters in upper case (bench ids: 16 matches), a span id.
    { label: '/api/sagas?q=<key value, upper case>', target: SEARCH, finds: true, path: (n) => `/api/sagas?q=${encodeURIComponent(data.keys[n % data.keys.length]!.value.toUpperCase())}` },
    { label: '/api/sagas?key=<name>:<value>', target: SEARCH, finds: true, path: (n) => { const k = data.keys[n % data.keys.length]!; return `/api/sagas?key=${encodeURIComponent(`${k.name}:${k.value}`)}`; } },
    { label: '/api/sagas?q=<saga id prefix, upper case>', target: SEARCH, finds: true, path: (n) => { const id = data.ids[n % data.ids.length]!; return `/api/sagas?q=${encodeURIComponent(id.slice(0, id.length - 1).toUpperCase())}`; } },
    { label: '/api/sagas?q=<span id>', target: SEARCH, finds: true, path: (n) => `/api/sagas?q=${data.spanIds[n % data.spanIds.length]!}` },
  ];
  const queries = all.filter((q) => !env.BENCH_ONLY || q.label.includes(env.BENCH_ONLY));
  if (queries.length === 0) throw new Error(`BENCH_ONLY=${env.BENCH_ONLY}: no query label contains it`);

  console.log(`data: ${data.sagas} sagas, ~${data.spans} spans; windows end at the newest saga start ${to.toISOString()}`);
  const base = `http://127.0.0.1:${env.BENCH_PORT}`;
  const server = startServer();
  const stop = () => server.exitCode === null && server.kill('SIGTERM');
  process.on('SIGINT', () => { stop(); process.exit(130); });
  try {
    await waitReady(base, server);
    const results: Result[] = [];
    console.log(`\n${'query'.padEnd(44)} ${'n'.padStart(5)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'max ms'.padStart(8)}  target`);
    for (const q of queries) {
      const r = await measure(base, q);
      results.push(r);
      const ok = r.p95 <= q.target.p95Ms;
      console.log(`${q.label.padEnd(44)} ${String(r.n).padStart(5)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)}  ${ok ? 'met' : 'MISSED'} (p95 ≤ ${q.target.p95Ms})`);
    }
    console.log('');
    for (const target of [LIST, STATS, SEARCH]) {
      if (!results.some((r) => r.q.target === target)) continue;
      const missed = results.filter((r) => r.q.target === target && r.p95 > target.p95Ms);
      console.log(`${target.label}: ${missed.length === 0 ? 'met' : `missed by ${missed.map((r) => `${r.q.label} (${r.p95.toFixed(0)} ms)`).join(', ')}`}`);
    }
  } finally {
    stop();
    await new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
