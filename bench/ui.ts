/**
 * `npm run bench:ui`: the saga page with one very large saga, in Chromium,
 * against the real server process. Loads a saga of BENCH_UI_STEPS step
 * executions (default 50,000) into a scratch database through the collector's
 * write path, starts server/start.ts (builds the UI first if needed), then:
 *  - server side: where a page read's time goes (spans load, model, view, wire body)
 *    and the page's TTFB / size over plain HTTP;
 *  - in Chromium: cold (fresh browser context) and warm (same context again) loads —
 *    TTFB, first timeline row, interactive (a click on a row has selected it),
 *    attributes shown, long tasks during load;
 *  - a scripted scroll through the whole timeline (mouse wheel, then a scrollTop
 *    sweep from top to bottom): long tasks and frame times.
 * Targets (issue #6): interactive ≤ 1.5 s; no long task > 100 ms during scroll.
 *
 *   BENCH_UI_STEPS (50000)  BENCH_UI_PORT (3150)  BENCH_UI_RUNS (3 cold + 3 warm)
 *   BENCH_UI_GRPC_PORT / BENCH_UI_HTTP_PORT (15200 / 15201)  the server's collector ports
 *   BENCH_UI_DB_PREFIX (sagascope_uibench)  prefix of the scratch database's name
 *   BENCH_UI_TRACE=<file.json>  Chrome trace of the first warm load (chrome://tracing, DevTools)
 *   BENCH_UI_TRACE_COLD=<file.json>  the same of the last cold load
 *   BENCH_UI_KEEP_DB=1  keep the scratch database (sagascope_uibench_*)
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../playwright.config';
import { openDb } from '../lib/db/connection';
import { getSagaDetail } from '../lib/db/read';
import { loadSagaSpans } from '../lib/saga/span-store';
import { buildSaga } from '../lib/saga/model';
import { modelConfigFrom } from '../lib/config/model';
import { parseConfig } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { gzipSync } from 'node:zlib';
import { encodeTimelineWire } from '../lib/ui/timeline-wire';
import { buildSagaView } from '../lib/saga-view/view';
import { setLogLevel } from '../lib/log';
import { createScratchDb, startServer, quantile, type ServerProcess } from './support/server-process';
import { largeSagaSpans, storeLargeSaga } from './support/large-saga-load';

const STEPS = Number(process.env.BENCH_UI_STEPS ?? 50_000);
const PORT = Number(process.env.BENCH_UI_PORT ?? 3150);
// Collector ports and the database prefix are settable so two benchmarks (or two checkouts) can run side by side.
const GRPC_PORT = Number(process.env.BENCH_UI_GRPC_PORT ?? 15200);
const HTTP_PORT = Number(process.env.BENCH_UI_HTTP_PORT ?? 15201);
const DB_PREFIX = process.env.BENCH_UI_DB_PREFIX ?? 'sagascope_uibench';
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 3);
const TOTAL_TIMEOUT_MS = 25 * 60_000;
const STEP_TIMEOUT_MS = 60_000;
const INTERACTIVE_TARGET_MS = 1_500;
const LONG_TASK_LIMIT_MS = 100;
const SAGA_ID = 'uibench-saga-0001';

const ms = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
const stat = (xs: number[]) => (xs.length === 0 ? 'n/a' : `p50 ${ms(quantile(xs, 0.5))}, max ${ms(Math.max(...xs))}`);

/** Installed before any page script: long tasks, and when the first row / the selection appear. */
const PAGE_PROBE = `
  // tsx compiles this file with esbuild's keepNames: functions passed to page.evaluate call __name().
  window.__name = (f) => f;
  window.__bench = { longtasks: [], firstRowAt: null, selectedAt: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longtasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  // Cheap on purpose (it runs on the page's main thread): a querySelector per DOM
  // mutation only until the first row exists, then only the aria-selected changes.
  const ROW = '[data-testid="timeline-row"]';
  const mo = new MutationObserver((records) => {
    const b = window.__bench;
    if (b.firstRowAt === null) {
      if (!document.querySelector(ROW)) return;
      b.firstRowAt = performance.now();
      mo.observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-selected'] });
    }
    const SELECTED = ROW + '[aria-selected="true"]';
    const hit = records.some((r) => r.type === 'attributes' && r.target.matches(SELECTED)) || (records.some((r) => r.type === 'childList') && document.querySelector(SELECTED) !== null);
    if (hit) {
      b.selectedAt = performance.now();
      mo.disconnect();
    }
  });
  mo.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['aria-selected'] });
`;

interface LongTask {
  start: number;
  duration: number;
}

interface LoadRun {
  kind: 'cold' | 'warm';
  ttfb: number;
  htmlDone: number;
  domContentLoaded: number;
  firstRow: number;
  interactive: number;
  attributes: number;
  htmlBytes: number;
  longTasks: LongTask[];
}

async function measureLoad(page: Page, url: string, kind: 'cold' | 'warm'): Promise<LoadRun> {
  // Always the plain URL: a reload would keep the ?span= selection of the previous run.
  await page.goto(url, { waitUntil: 'commit', timeout: STEP_TIMEOUT_MS });
  // Clicked as soon as it can be: React replays a click that lands before hydration.
  const firstRow = page.getByTestId('timeline-row').first();
  await firstRow.click({ timeout: STEP_TIMEOUT_MS });
  await page.locator('[data-testid="timeline-row"][aria-selected="true"]').first().waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.getByTestId('span-attributes').filter({ hasText: 'saga.step' }).waitFor({ timeout: STEP_TIMEOUT_MS });
  const attributesAt = await page.evaluate(() => performance.now());
  await page.waitForLoadState('load', { timeout: STEP_TIMEOUT_MS });
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const b = (window as unknown as { __bench: { longtasks: LongTask[]; firstRowAt: number; selectedAt: number } }).__bench;
    return {
      ttfb: nav.responseStart,
      htmlDone: nav.responseEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      htmlBytes: nav.encodedBodySize,
      firstRow: b.firstRowAt,
      interactive: b.selectedAt,
      longTasks: b.longtasks.slice(),
    };
  });
  return { kind, ...r, attributes: attributesAt, longTasks: r.longTasks.filter((t) => t.start <= attributesAt) };
}

interface ScrollRun {
  phase: string;
  seconds: number;
  frames: number[];
  longTasks: LongTask[];
  rowsSeen: number;
}

async function measureWheel(page: Page, seconds: number): Promise<ScrollRun> {
  const scroller = page.getByRole('listbox').first();
  const box = await scroller.boundingBox({ timeout: STEP_TIMEOUT_MS });
  if (!box) throw new Error('timeline scroller not visible');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framesOn: boolean; __t0: number };
    w.__frames = [];
    w.__framesOn = true;
    w.__t0 = performance.now();
    let last = performance.now();
    const loop = (t: number) => {
      if (!w.__framesOn) return;
      w.__frames.push(t - last);
      last = t;
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await page.mouse.wheel(0, 520);
    await page.waitForTimeout(40);
  }
  return collectScroll(page, 'mouse wheel', seconds);
}

async function measureSweep(page: Page, seconds: number): Promise<ScrollRun> {
  await page.evaluate(
    (durationMs) =>
      new Promise<void>((resolve) => {
        const el = document.querySelector('[role="listbox"]') as HTMLElement;
        const w = window as unknown as { __frames: number[]; __framesOn: boolean; __t0: number; __rows: Set<string> };
        w.__frames = [];
        w.__framesOn = true;
        w.__rows = new Set();
        el.scrollTop = 0;
        const t0 = performance.now();
        w.__t0 = t0;
        let last = t0;
        const max = el.scrollHeight - el.clientHeight;
        const loop = (t: number) => {
          w.__frames.push(t - last);
          last = t;
          for (const row of el.querySelectorAll('[data-testid="timeline-row"]')) w.__rows.add(row.id);
          const p = Math.min(1, (t - t0) / durationMs);
          el.scrollTop = p * max;
          if (p < 1) requestAnimationFrame(loop);
          else requestAnimationFrame(() => resolve());
        };
        requestAnimationFrame(loop);
      }),
    seconds * 1000,
  );
  const run = await collectScroll(page, 'scrollTop sweep, top to bottom', seconds);
  run.rowsSeen = await page.evaluate(() => (window as unknown as { __rows: Set<string> }).__rows.size);
  return run;
}

async function collectScroll(page: Page, phase: string, seconds: number): Promise<ScrollRun> {
  await page.waitForTimeout(300);
  const r = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __framesOn: boolean; __t0: number; __bench: { longtasks: LongTask[] } };
    w.__framesOn = false;
    return { frames: w.__frames.slice(1), longTasks: w.__bench.longtasks.filter((t) => t.start >= w.__t0) };
  });
  return { phase, seconds, frames: r.frames, longTasks: r.longTasks, rowsSeen: 0 };
}

async function serverSide(databaseUrl: string, server: ServerProcess): Promise<void> {
  const config = parseConfig({ DATABASE_URL: databaseUrl, SAGASCOPE_LOG_LEVEL: 'warn' });
  const db = await openDb(config);
  try {
    const cfg = modelConfigFrom(config, Date.now());
    const load: number[] = [];
    const model: number[] = [];
    const detail: number[] = [];
    const viewMs: number[] = [];
    const wire: number[] = [];
    let wireBytes = 0;
    let wireGzipBytes = 0;
    let steps = 0;
    for (let i = 0; i < 3; i++) {
      let t = performance.now();
      const spans = (await loadSagaSpans(db, [SAGA_ID])).get(SAGA_ID)!;
      load.push(performance.now() - t);
      t = performance.now();
      const saga = buildSaga(SAGA_ID, spans, cfg);
      model.push(performance.now() - t);
      // Rows, chain, step graph, summary and the repair guide, as getSagaDetail builds them.
      t = performance.now();
      const view = buildSagaView(saga, spans, cfg, null);
      viewMs.push(performance.now() - t);
      t = performance.now();
      await getSagaDetail(db, SAGA_ID, cfg, config.SAGASCOPE_MAX_SAGA_SPANS);
      detail.push(performance.now() - t);
      // The body of GET /api/sagas/<id>/timeline: rows and chain in their wire form.
      t = performance.now();
      const body = JSON.stringify(encodeTimelineWire(view.rows, view.chain));
      wire.push(performance.now() - t);
      wireBytes = body.length;
      wireGzipBytes = gzipSync(body).length;
      steps = view.steps.length;
    }
    console.log(`server, in-process (${steps.toLocaleString('en-US')} steps):`);
    console.log(`  load spans (SQL + rows)     ${stat(load)}`);
    console.log(`  model (buildSaga)           ${stat(model)}`);
    console.log(`  view (buildSagaView)        ${stat(viewMs)}`);
    console.log(`  getSagaDetail (all of it)   ${stat(detail)}`);
    const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
    console.log(`  wire body                   ${stat(wire)}   wire JSON ${mib(wireBytes)} (gzip ${mib(wireGzipBytes)})`);
  } finally {
    await db.close();
  }
  const ttfb: number[] = [];
  const total: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.baseUrl}/sagas/${SAGA_ID}`, { signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
    ttfb.push(performance.now() - t0);
    const body = await res.arrayBuffer();
    total.push(performance.now() - t0);
    bytes = body.byteLength;
    if (!res.ok) throw new Error(`GET /sagas/${SAGA_ID}: ${res.status}`);
  }
  console.log(`server over HTTP, GET /sagas/<id> ×4 (first one cold):`);
  console.log(`  TTFB          ${ttfb.map(ms).join(', ')}`);
  console.log(`  full response ${total.map(ms).join(', ')}   HTML ${(bytes / 1024 / 1024).toFixed(2)} MiB`);
  // The rows the page fetches after its first screen (asked for as Chromium does; fetch() decodes it).
  const rows: string[] = [];
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.baseUrl}/api/sagas/${SAGA_ID}/timeline`, { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' }, signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
    const first = performance.now() - t0;
    const body = await res.text();
    if (!res.ok) throw new Error(`GET /api/sagas/${SAGA_ID}/timeline: ${res.status}`);
    const n = (JSON.parse(body) as { n: number }).n;
    rows.push(`${ms(first)} / ${ms(performance.now() - t0)} (${n.toLocaleString('en-US')} rows, ${(body.length / 1024 / 1024).toFixed(2)} MiB JSON, ${res.headers.get('content-encoding') ?? 'identity'})`);
  }
  console.log(`  GET /api/sagas/<id>/timeline ×2, TTFB / full: ${rows.join('; ')}`);
}

async function browserSide(server: ServerProcess): Promise<{ loads: LoadRun[]; scrolls: ScrollRun[] }> {
  const url = `${server.baseUrl}/sagas/${SAGA_ID}`;
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ ...chromiumLaunchOptions, timeout: STEP_TIMEOUT_MS });
    const loads: LoadRun[] = [];
    // The browser process's first navigation pays for starting its network service and
    // renderer (~1–4 s here), which is no property of the page: one throwaway load of
    // another URL first. Contexts share no HTTP or code cache, so the cold loads stay cold.
    const warmUp = await browser.newContext();
    await (await warmUp.newPage()).goto(`${server.baseUrl}/api/health`, { timeout: STEP_TIMEOUT_MS });
    await warmUp.close();
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(PAGE_PROBE);
      const page = await context.newPage();
      const trace = i === RUNS - 1 ? process.env.BENCH_UI_TRACE_COLD : undefined;
      if (trace) await browser.startTracing(page, { path: trace, screenshots: false });
      loads.push(await measureLoad(page, url, 'cold'));
      if (trace) await browser.stopTracing();
      await context.close();
    }
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript(PAGE_PROBE);
    const page = await context.newPage();
    await measureLoad(page, url, 'cold');
    for (let i = 0; i < RUNS; i++) {
      const trace = i === 0 ? process.env.BENCH_UI_TRACE : undefined;
      if (trace) await browser.startTracing(page, { path: trace, screenshots: false });
      loads.push(await measureLoad(page, url, 'warm'));
      if (trace) await browser.stopTracing();
    }
    const scrolls = [await measureWheel(page, 4), await measureSweep(page, 8)];
    await context.close();
    return { loads, scrolls };
  } finally {
    await browser?.close();
  }
}

function report(loads: LoadRun[], scrolls: ScrollRun[]): boolean {
  console.log(`\nChromium, page loads of /sagas/<id> (${RUNS} cold = fresh browser context, ${RUNS} warm = same context again):`);
  console.log('  run   TTFB      HTML done  DOMContentLoaded  first row  interactive  attributes  HTML      long tasks (max)');
  for (const r of loads) {
    const maxLt = r.longTasks.length ? Math.max(...r.longTasks.map((t) => t.duration)) : 0;
    console.log(
      `  ${r.kind.padEnd(5)} ${ms(r.ttfb).padStart(8)} ${ms(r.htmlDone).padStart(10)} ${ms(r.domContentLoaded).padStart(17)} ${ms(r.firstRow).padStart(10)} ` +
        `${ms(r.interactive).padStart(12)} ${ms(r.attributes).padStart(11)} ${((r.htmlBytes / 1024 / 1024).toFixed(2) + ' MiB').padStart(9)} ` +
        `${String(r.longTasks.length).padStart(4)} (${ms(maxLt)})`,
    );
  }
  for (const kind of ['cold', 'warm'] as const) {
    const rs = loads.filter((r) => r.kind === kind);
    console.log(`  ${kind}: TTFB ${stat(rs.map((r) => r.ttfb))}; interactive ${stat(rs.map((r) => r.interactive))}; longest task during load ${stat(rs.map((r) => Math.max(0, ...r.longTasks.map((t) => t.duration))))}`);
  }
  console.log('\nscroll through the timeline:');
  for (const s of scrolls) {
    const lt = s.longTasks.map((t) => t.duration);
    console.log(
      `  ${s.phase} (${s.seconds} s): ${s.frames.length} frames, frame time ${stat(s.frames)} (p95 ${ms(quantile(s.frames, 0.95))}); ` +
        `long tasks ${lt.length}${lt.length ? ` (max ${ms(Math.max(...lt))})` : ''}${s.rowsSeen ? `; ${s.rowsSeen.toLocaleString('en-US')} distinct rows rendered` : ''}`,
    );
  }
  const interactiveMax = Math.max(...loads.map((r) => r.interactive));
  const scrollLtMax = Math.max(0, ...scrolls.flatMap((s) => s.longTasks.map((t) => t.duration)));
  const ok1 = interactiveMax <= INTERACTIVE_TARGET_MS;
  const ok2 = scrollLtMax <= LONG_TASK_LIMIT_MS;
  console.log('\ntargets:');
  console.log(`  ${ok1 ? 'PASS' : 'MISS'} interactive ≤ ${ms(INTERACTIVE_TARGET_MS)}: worst of ${loads.length} loads ${ms(interactiveMax)} (p50 ${ms(quantile(loads.map((r) => r.interactive), 0.5))})`);
  console.log(`  ${ok2 ? 'PASS' : 'MISS'} no long task > ${ms(LONG_TASK_LIMIT_MS)} during scroll: longest ${ms(scrollLtMax)}`);
  return ok1 && ok2;
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const watchdog = setTimeout(() => {
    console.error(`bench:ui took longer than ${TOTAL_TIMEOUT_MS / 60_000} min: giving up`);
    process.exit(2);
  }, TOTAL_TIMEOUT_MS);
  watchdog.unref();
  const scratch = await createScratchDb(DB_PREFIX);
  let server: ServerProcess | null = null;
  try {
    const db = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_LOG_LEVEL: 'warn' }));
    const t0 = performance.now();
    const stored = await storeLargeSaga(db, largeSagaSpans(SAGA_ID, STEPS, Date.now() - 3_600_000));
    await db.query('ANALYZE');
    await db.close();
    console.log(`bench:ui — one saga of ${STEPS.toLocaleString('en-US')} step executions (${stored.toLocaleString('en-US')} spans) stored in ${ms(performance.now() - t0)} (database ${scratch.name})`);
    server = await startServer({ port: PORT, grpcPort: GRPC_PORT, httpPort: HTTP_PORT, databaseUrl: scratch.url, env: { SAGASCOPE_AUTH: 'off' } });
    console.log(`server pid ${server.pid} on ${server.baseUrl}\n`);
    await serverSide(scratch.url, server);
    const { loads, scrolls } = await browserSide(server);
    const ok = report(loads, scrolls);
    process.exitCode = ok ? 0 : 1;
  } catch (err) {
    if (server) console.error(server.output());
    throw err;
  } finally {
    await server?.stop();
    if (process.env.BENCH_UI_KEEP_DB !== '1') await scratch.drop();
    clearTimeout(watchdog);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
