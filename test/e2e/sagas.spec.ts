/**
 * A user's path in a real Chromium against `npm start`: spans arrive through
 * the official OTel exporter, the list shows the sagas, a filter narrows it
 * (and lives in the URL), a saga opens with its timeline, compensation chain and
 * span attributes, and the trace page shows the spans.
 */
import { test, expect } from '@playwright/test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';
import { largeSagaSpans } from '../../bench/support/large-saga-load';
import { toOtlpJson } from '../support/spans';

const run = Date.now().toString(36);
const ids = { ok: `e2e-ok-${run}`, comp: `e2e-comp-${run}`, failed: `e2e-failed-${run}`, large: `e2e-large-${run}` };

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  emitSaga(fleet, {
    id: ids.ok,
    name: 'checkout',
    steps: [
      { step: 'create-order', service: 'order', op: 'action' },
      { step: 'reserve-inventory', service: 'inventory', op: 'action', withChild: true },
      { step: 'charge-payment', service: 'payment', op: 'action' },
    ],
  });
  emitSaga(fleet, {
    id: ids.comp,
    name: 'checkout',
    steps: [
      { step: 'create-order', service: 'order', op: 'action' },
      { step: 'reserve-inventory', service: 'inventory', op: 'action' },
      { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate' },
      { step: 'create-order', service: 'order', op: 'compensate' },
    ],
  });
  // The coordinator finished without compensating create-order: failed, missing compensation.
  emitSaga(fleet, {
    id: ids.failed,
    name: 'refund',
    steps: [
      { step: 'create-order', service: 'order', op: 'action' },
      { step: 'reserve-inventory', service: 'inventory', op: 'action' },
      { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate' },
    ],
  });
  await fleet.flush();
  await fleet.shutdown();
});

test('list, filter, open a saga: timeline, compensation chain, attributes, trace', async ({ page }) => {
  await page.goto('/sagas');
  const row = (id: string) => page.getByTestId('saga-row').filter({ hasText: id });
  await expect(row(ids.ok)).toBeVisible();
  await expect(row(ids.comp)).toBeVisible();
  await expect(row(ids.failed)).toBeVisible();
  await expect(row(ids.ok).getByTestId('status-badge')).toHaveText(/committed/i);
  await expect(row(ids.failed).getByTestId('status-badge')).toHaveText(/failed/i);

  // Filter by status through the form: the URL carries it, the list narrows.
  await page.getByLabel('Status').selectOption('compensated');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/status=compensated/);
  await expect(row(ids.comp)).toBeVisible();
  await expect(row(ids.ok)).toHaveCount(0);
  await expect(row(ids.failed)).toHaveCount(0);

  // A link reproduces the view.
  await page.goto(`/sagas?anomaly=missing_compensation&q=${ids.failed}`);
  await expect(row(ids.failed)).toBeVisible();
  await expect(page.getByTestId('saga-row')).toHaveCount(1);

  // Open the compensated saga.
  await page.goto(`/sagas?q=${ids.comp}`);
  await row(ids.comp).getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/sagas/${ids.comp}`));
  await expect(page.getByTestId('saga-header')).toContainText('compensated');
  await expect(page.getByTestId('timeline-row')).toHaveCount(5);
  await expect(page.getByTestId('compensation-pair')).toHaveCount(2);
  await expect(page.getByTestId('time-to-consistency')).toBeVisible();

  // Select the failed step: its attributes appear as text.
  await page.getByTestId('timeline-row').filter({ hasText: 'charge-payment' }).first().click();
  await expect(page).toHaveURL(/span=[0-9a-f]{16}/);
  const attrs = page.getByTestId('span-attributes');
  await expect(attrs).toContainText('saga.step');
  await expect(attrs).toContainText('charge-payment failed');
  await expect(attrs).toContainText('service.name'); // resource attributes, stored once per resource
  await page.screenshot({ path: 'docs/screenshot-saga.png', fullPage: true });

  // The failed saga names its missing compensation.
  await page.goto(`/sagas/${ids.failed}`);
  await expect(page.getByTestId('saga-header')).toContainText('failed');
  await expect(page.getByTestId('anomaly').filter({ hasText: /create-order/ }).first()).toBeVisible();

  // Trace page from the saga's links.
  await page.goto(`/sagas/${ids.ok}`);
  await page.getByTestId('trace-links').getByRole('link').first().click();
  await expect(page).toHaveURL(/\/traces\/[0-9a-f]{32}/);
  await expect(page.getByTestId('timeline-row').filter({ hasText: 'SELECT stock' })).toBeVisible();
  await page.goto('/sagas');
  await page.screenshot({ path: 'docs/screenshot-list.png' });
});

test('bad filters get a message, not a crash', async ({ page, request }) => {
  const res = await request.get('/api/sagas?status=bogus');
  expect(res.status()).toBe(400);
  expect((await res.json()).error).toMatch(/status/);
  await page.goto('/sagas?from=not-a-date');
  await expect(page.getByTestId('filter-error')).toBeVisible();
});

test('a saga too large to go into its page: first screen in the HTML, the rest fetched; chain, graph and ?span= still work', async ({ page, request }) => {
  // 2,400 step rows: above the page's inline limit (lib/saga-view/page-timeline.ts), 1,200 distinct steps.
  const spans = largeSagaSpans(ids.large, 2_400, Date.now() - 120_000);
  for (let i = 0; i < spans.length; i += 800) {
    const res = await request.post(`http://127.0.0.1:${e2ePorts.http}/v1/traces`, {
      data: toOtlpJson(spans.slice(i, i + 800)),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status()).toBe(200);
  }
  await expect
    .poll(async () => {
      const res = await request.get(`/api/sagas/${ids.large}`);
      return res.ok() ? ((await res.json()) as { steps: unknown[] }).steps.length : 0;
    }, { timeout: 30_000 })
    .toBe(2_400);

  // The page carries the first screen of rows and preloads the rest.
  const html = await (await request.get(`/sagas/${ids.large}`)).text();
  expect(html).toMatch(new RegExp(`<link rel="preload" href="/api/sagas/${ids.large}/timeline(?:\\?v=[^"]+)?" as="fetch" crossorigin="anonymous"`));
  expect(html).not.toContain('step-01100');
  const rows = await request.get(`/api/sagas/${ids.large}/timeline`);
  expect(rows.status()).toBe(200);
  expect(((await rows.json()) as { id: string[] }).id).toHaveLength(2_400);

  // A selection far down the timeline (the last compensation) from the URL: scrolled to, selected, attributes shown.
  const target = spans.filter((s) => s.attributes['saga.op'] === 'compensate').at(-1)!;
  await page.goto(`/sagas/${ids.large}?span=${target.spanId}`);
  await expect(page.getByTestId('timeline')).toContainText('2,400 rows');
  await expect(page.locator(`[data-testid="timeline-row"][data-span-id="${target.spanId}"]`)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('timeline-more')).toHaveCount(0);
  await expect(page.getByTestId('span-attributes')).toContainText(String(target.attributes['saga.step']));
  await expect(page.getByTestId('compensation-chain')).toBeVisible();
  await expect(page.getByTestId('step-graph-node').first()).toBeVisible();
  await expect(page.getByTestId('step-graph-truncated')).toBeVisible();

  // Keyboard moves the selection across the whole list, not just the first screen.
  await page.getByRole('listbox', { name: /Steps of saga/ }).focus();
  await page.keyboard.press('End');
  await expect(page.locator('[data-testid="timeline-row"][data-index="2399"]')).toHaveAttribute('aria-selected', 'true');
});
