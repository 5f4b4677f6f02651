/**
 * Reading (issue 18 §3), in a real Chromium against `npm start`: a trace's span
 * tree collapses and expands (mouse and keyboard), span search finds names and
 * attribute values, the breadcrumb goes back to the saga, the trace downloads
 * as OTLP/JSON that the collector takes back; the sagas list pages forward and
 * back; a cut-off cell shows its whole value; Insights opens from the
 * navigation and compares saga names.
 */
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';

const run = Date.now().toString(36);
const TRACE_NAME = `reading-${run}`;
const PAGING_NAME = `paging-${run}`;
const sagaId = `e2e-reading-${run}`;
const LONG_SERVICES = ['inventory-reservation-service', 'payment-authorisation-service', 'shipping-label-printing-service'];
const pagingIds = Array.from({ length: 7 }, (_, i) => `e2e-paging-${run}-${i}`);

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  const t0 = Date.now() - 60_000;
  emitSaga(fleet, {
    id: sagaId,
    name: TRACE_NAME,
    t0,
    steps: [
      { step: 'reserve-inventory', service: LONG_SERVICES[0]!, op: 'action', withChild: true },
      { step: 'print-label', service: LONG_SERVICES[2]!, op: 'action' },
      { step: 'charge-payment', service: LONG_SERVICES[1]!, op: 'action', fail: true },
      // print-label is left without its compensation: failed, missing_compensation.
      { step: 'reserve-inventory', service: LONG_SERVICES[0]!, op: 'compensate' },
    ],
  });
  // Distinct start times, oldest first: the list shows them newest first.
  pagingIds.forEach((id, i) =>
    emitSaga(fleet, { id, name: PAGING_NAME, t0: t0 + i * 1000, steps: [{ step: 'only-step', service: 'pager', op: 'action' }] }),
  );
  await fleet.flush();
  await fleet.shutdown();
});

test('a trace: collapse its span tree, search it, go back to the saga, download its OTLP JSON', async ({ page, request }) => {
  await page.goto(`/sagas/${sagaId}`);
  await page.getByTestId('trace-links').getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/traces/[0-9a-f]{32}\\?saga=${sagaId}`));
  const traceId = /\/traces\/([0-9a-f]{32})/.exec(page.url())![1]!;

  const tree = page.getByRole('tree', { name: /Spans of trace/ });
  const rows = page.getByTestId('timeline-row');
  // Coordinator root, four steps, one child span under the first step.
  await expect(rows).toHaveCount(6);
  const root = rows.filter({ hasText: `saga ${TRACE_NAME}` });
  await expect(root).toHaveAttribute('aria-expanded', 'true');
  await expect(root).toHaveAttribute('aria-level', '1');

  // Mouse: the root's toggle hides its five descendants.
  await root.getByTestId('tree-toggle').click();
  await expect(rows).toHaveCount(1);
  await expect(root).toHaveAttribute('aria-expanded', 'false');
  await expect(root.getByTestId('tree-hidden-count')).toHaveText('+5');

  // Keyboard: select the root, → expands, ↓ moves into it, ← on a leaf goes to the parent, ← collapses.
  await root.click();
  await tree.focus();
  await page.keyboard.press('ArrowRight');
  await expect(rows).toHaveCount(6);
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft'); // the first step has a child: collapse it
  await expect(rows).toHaveCount(5);
  await page.keyboard.press('ArrowLeft'); // collapsed: to its parent
  await expect(root).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(rows).toHaveCount(1);

  // Collapse all / Expand all.
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(rows).toHaveCount(6);
  await page.getByRole('button', { name: 'Collapse all' }).click();
  await expect(rows).toHaveCount(1);

  // Search by name: the match is inside a collapsed subtree; Enter reveals and selects it.
  const search = page.getByTestId('span-search');
  await search.fill('select');
  await expect(page.getByTestId('span-search-count')).toHaveText(/^1 match/);
  await search.press('Enter');
  const child = rows.filter({ hasText: 'SELECT stock' });
  await expect(child).toHaveAttribute('aria-selected', 'true');
  await expect(child).toHaveAttribute('data-match', 'true');
  await expect(page.getByTestId('span-search-count')).toHaveText(/^1 of 1 match/);

  // Search by attribute value (saga.action_url, answered by the server) and filter to the matches.
  await search.fill(`${LONG_SERVICES[0]}.local/reserve`);
  await expect(page.getByTestId('span-search-count')).toHaveText(/^2 matches$/);
  await page.getByTestId('span-search-only').check();
  // The two matching steps and the root above them.
  await expect(rows).toHaveCount(3);
  await page.getByTestId('span-search-only').uncheck();
  await search.fill('service:payment-auth');
  await expect(page.getByTestId('span-search-count')).toHaveText(/^1 match$/);
  await search.fill('');

  // Download: an attachment with the OTLP/JSON request, which the collector takes back.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('trace-download').click()]);
  expect(download.suggestedFilename()).toBe(`trace-${traceId}.otlp.json`);
  const body = await readFile((await download.path())!, 'utf8');
  const otlp = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { traceId: string; startTimeUnixNano: string }[] }[] }[] };
  const spans = otlp.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  expect(spans).toHaveLength(6);
  expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
  const back = await request.post(`http://127.0.0.1:${e2ePorts.http}/v1/traces`, { data: body, headers: { 'Content-Type': 'application/json' } });
  expect(back.status()).toBe(200);

  // Back to the saga.
  await page.getByTestId('back-to-saga').click();
  await expect(page).toHaveURL(new RegExp(`/sagas/${sagaId}$`));
});

test('the sagas list pages forward and back, and the URL reproduces each page', async ({ page }) => {
  await page.goto(`/sagas?name=${PAGING_NAME}&limit=3`);
  const ids = () => page.getByTestId('saga-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-saga-id')));
  const newestFirst = [...pagingIds].reverse();
  await expect.poll(ids).toEqual(newestFirst.slice(0, 3));
  await expect(page.getByTestId('prev-page')).toHaveCount(0);

  await page.getByTestId('next-page').click();
  await expect.poll(ids).toEqual(newestFirst.slice(3, 6));
  const page2 = page.url();
  await page.getByTestId('next-page').click();
  await expect.poll(ids).toEqual(newestFirst.slice(6));
  await expect(page.getByTestId('next-page')).toHaveCount(0);

  await page.getByTestId('prev-page').click();
  await expect.poll(ids).toEqual(newestFirst.slice(3, 6));
  await page.getByTestId('prev-page').click();
  await expect.poll(ids).toEqual(newestFirst.slice(0, 3));
  await expect(page.getByTestId('prev-page')).toHaveCount(0);

  // A pasted link opens the same page.
  await page.goto(page2);
  await expect.poll(ids).toEqual(newestFirst.slice(3, 6));
});

test('a cut-off services cell shows its whole value on focus and on click', async ({ page }) => {
  await page.goto(`/sagas?q=${sagaId}`);
  const cell = page.getByTestId('saga-row').getByTestId('saga-services');
  const full = ['orchestrator', ...LONG_SERVICES].sort().join(', ');
  await expect(cell).toHaveAttribute('title', full);
  // Cut off in its column, so it is a button that opens.
  await expect(cell).toHaveRole('button');
  await expect(cell).toHaveAttribute('aria-expanded', 'false');
  await cell.click();
  await expect(cell).toHaveAttribute('aria-expanded', 'true');
  const fits = await cell.locator('.truncated__text').evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
  expect(fits).toBe(true);
  await expect(cell).toHaveText(full);
});

test('Insights opens from the navigation and compares saga names', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
  await expect(page).toHaveURL(/\/insights$/);
  await expect(page.getByTestId('insights-title')).toHaveText('Saga names compared');
  const row = page.getByTestId('name-compare-row').filter({ hasText: TRACE_NAME });
  await expect(row).toHaveCount(1);
  // Its one saga failed after compensating part of the way: 100 % failure and compensation rates, the anomaly listed.
  await expect(row).toContainText('100 %');
  await expect(row.getByTestId('compare-anomaly')).toContainText('missing compensation');
  await expect(page.getByTestId('name-compare-row').filter({ hasText: PAGING_NAME })).toContainText('7');
  // Sorting by volume puts the seven-saga name above the one-saga name.
  await page.getByTestId('sort-count').click();
  const names = await page.getByTestId('name-compare-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
  expect(names.indexOf(PAGING_NAME)).toBeLessThan(names.indexOf(TRACE_NAME));
  // A name opens today's detail of that name.
  await row.getByRole('link', { name: TRACE_NAME }).click();
  await expect(page).toHaveURL(new RegExp(`/insights\\?.*name=${TRACE_NAME}`));
  await expect(page.getByTestId('insights-title')).toContainText(TRACE_NAME);
  await expect(page.getByTestId('steps-table')).toBeVisible();
});
