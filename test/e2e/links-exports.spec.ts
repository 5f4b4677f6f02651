/**
 * Issue 18 in a real Chromium against `npm start`:
 * - links survive: a URL with a tracker's `utm_source` renders on every page,
 *   and a saga whose id holds `#`, `/`, `?`, `%`, `=`, `<`, a space and Unicode
 *   opens from the list and from its pasted URL;
 * - an export is one click: the browser saves the streamed CSV as a download,
 *   with readable columns (ISO-8601 times, kind by name, well-known attributes);
 * - counts per bucket never draw hairline bars, even at 1-minute buckets over a day.
 */
import { readFile } from 'node:fs/promises';
import { test, expect, type Page } from '@playwright/test';
import { e2ePorts } from '../../playwright.config';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import { CsvParser } from '../../lib/export/csv';

const run = Date.now().toString(36);
const name = `links-${run}`;
const hostileId = `links #1/2 ?a=b&c%25d <ü> ${run}`;
const plainId = `links-plain-${run}`;
const collector = `http://127.0.0.1:${e2ePorts.http}`;

test.beforeAll(async () => {
  for (const id of [hostileId, plainId]) await sendSpans(collector, failedSagaSpans({ id, name, participant: 'http://participant.invalid' }));
});

async function traceIdOf(page: Page, id: string): Promise<string> {
  const res = await page.request.get(`/api/sagas/${encodeURIComponent(id)}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { traceIds: string[] }).traceIds[0]!;
}

test('a URL with utm_source renders on every page', async ({ page }) => {
  test.setTimeout(300_000); // 14 pages, on a shared machine
  const traceId = await traceIdOf(page, plainId);
  const paths = [
    '/',
    '/sagas',
    `/sagas?status=failed&name=${name}`,
    `/sagas/${encodeURIComponent(plainId)}`,
    `/traces/${traceId}`,
    '/topology',
    // The older name of the saga-name parameter still works.
    `/topology?sagaName=${name}`,
    '/insights',
    `/insights?name=${name}`,
    '/audit',
    '/export',
    '/admin',
    '/admin/alerts',
    '/account',
  ];
  for (const path of paths) {
    const url = `${path}${path.includes('?') ? '&' : '?'}utm_source=slack&utm_medium=chat&fbclid=abc`;
    const res = await page.goto(url);
    expect(res?.status(), url).toBe(200);
    await expect(page.locator('h1').first(), url).toBeVisible();
    await expect(page.getByTestId('page-error'), url).toHaveCount(0);
    // No "Invalid filter", "Invalid query", "Cannot show this view": no error alert at all.
    await expect(page.locator('.alert--error'), url).toHaveCount(0);
  }
  // The saga name is `name` on the topology page too; its form writes `name`.
  await page.goto(`/topology?sagaName=${name}&utm_source=slack`);
  await expect(page.getByRole('textbox', { name: 'Saga name' })).toHaveValue(name);
});

test('a saga whose id holds # / ? % = < space and Unicode opens from the list and from its URL', async ({ page }) => {
  await page.goto(`/sagas?q=${encodeURIComponent(hostileId)}`);
  const row = page.getByTestId('saga-row').filter({ hasText: `links #1/2` });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').first().click();
  await expect(page.getByTestId('saga-header')).toContainText(hostileId);
  expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/sagas/${hostileId}`);
  // The same URL pasted elsewhere (a reload) opens it again, and so does the address a person would copy.
  await page.reload();
  await expect(page.getByTestId('saga-header')).toContainText(hostileId);
  await expect(page).toHaveTitle(new RegExp(`Saga ${hostileId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  const res = await page.goto(`/sagas/${encodeURIComponent(hostileId)}?utm_source=slack`);
  expect(res?.status()).toBe(200);
  await expect(page.getByTestId('saga-header')).toContainText(hostileId);
});

test('one click exports a CSV straight to a download, with readable columns', async ({ page }) => {
  await page.goto('/export');
  const form = page.getByTestId('export-form');
  await form.getByLabel('What').selectOption('spans');
  await form.getByLabel('Format').selectOption('csv');
  await form.getByLabel('Saga id').fill(hostileId);
  const [download] = await Promise.all([page.waitForEvent('download'), form.getByTestId('export-start').click()]);
  expect(download.suggestedFilename()).toMatch(/^sagascope-spans-\d{8}T\d{6}Z\.csv$/);
  const text = await readFile((await download.path())!, 'utf8');
  const records: string[][] = [];
  const parser = new CsvParser();
  parser.push(text, (r) => records.push(r));
  parser.end((r) => records.push(r));
  const [header, ...rows] = records;
  expect(header!.slice(0, 10)).toEqual(['traceId', 'spanId', 'parentSpanId', 'startedAt', 'endedAt', 'durationMs', 'service', 'name', 'kind', 'status']);
  for (const c of ['sagaId', 'sagaName', 'step', 'op', 'result', 'httpStatusCode', 'rpcGrpcStatusCode', 'attributes']) expect(header).toContain(c);
  expect(rows).toHaveLength(4);
  const first = Object.fromEntries(header!.map((h, i) => [h, rows[0]![i]!]));
  expect(first.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  expect(first.durationMs).toMatch(/^\d+(\.\d{1,3})?$/);
  expect(['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER', 'UNSPECIFIED']).toContain(first.kind);
  expect(['UNSET', 'OK', 'ERROR']).toContain(first.status);
  expect(first.sagaId).toBe(hostileId);
  expect(JSON.parse(first.attributes!)).not.toHaveProperty(['saga.id']);
  // Once the browser has the whole file, the page shows the export's manifest from the audit trail.
  await expect(page.getByTestId('export-manifest')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('export-rows')).toHaveText('4');
  await expect(page.getByTestId('export-bytes')).toBeVisible();
});

test('counts per bucket are never hairline bars: bars at least 2 px wide, or a stepped area when the buckets are too many', async ({ page }) => {
  test.setTimeout(300_000);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/stats?range=1h&name=${name}`)).json()) as { totals: { count: number } }).totals.count, { timeout: 20_000 })
    .toBe(2);
  const step = `name=${name}&step=create-order&service=order&op=action`;
  const barWidths = async (testId: string) =>
    page.getByTestId(testId).locator('.recharts-bar-rectangle path, .recharts-bar-rectangle rect').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));

  // The last hour in minutes: bars, each at least 2 px.
  await page.goto(`/insights?${step}&range=1h`);
  const calls = page.getByTestId('step-chart-calls');
  // Charts draw after hydration, which a loaded machine can take a while for.
  await expect(calls).toHaveAttribute('data-form', 'bar', { timeout: 60_000 });
  await expect.poll(async () => (await barWidths('step-chart-calls')).length).toBeGreaterThan(0);
  for (const w of await barWidths('step-chart-calls')) expect(w).toBeGreaterThanOrEqual(2);

  // A day in 1-minute buckets (1,441 of them): no bar could be 2 px wide, so the counts are a stepped area.
  for (const path of [`/insights?${step}&range=24h&bucket=1m`, `/insights?name=${name}&range=24h&bucket=1m`]) {
    await page.goto(path);
    const chart = page.getByTestId(path.includes('step=') ? 'step-chart-calls' : 'chart-status');
    await expect(chart, path).toHaveAttribute('data-form', 'area', { timeout: 60_000 });
    // One area per series (those of zero counts are flat, so not "visible"): the counts are drawn.
    await expect(chart.locator('.recharts-area')).toHaveCount(path.includes('step=') ? 3 : 6);
    for (const w of await barWidths(path.includes('step=') ? 'step-chart-calls' : 'chart-status')) expect(w, path).toBeGreaterThanOrEqual(2);
  }
});
