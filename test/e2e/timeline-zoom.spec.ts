/**
 * Zoom the timeline (issue 18 §3), in a real Chromium against `npm start`: a
 * saga whose compensation a coordinator retried with backoff (five steps in
 * ~50 ms, then attempts after 10 s, 20 s and 40 s) shows its idle gaps
 * collapsed into marked bands; a drag across the axis zooms in (the URL
 * changes, bars outside the window go, the axis labels change); the URL
 * reproduces the zoom on reload; Reset returns to the whole saga; ctrl + wheel
 * and the + button zoom too.
 */
import { test, expect, type Page } from '@playwright/test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';

const sagaId = `e2e-backoff-${Date.now().toString(36)}`;

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  emitSaga(fleet, {
    id: sagaId,
    name: 'backoff',
    t0: Date.now() - 5 * 60_000,
    steps: [
      { step: 'create-order', service: 'order', op: 'action' },
      { step: 'reserve-inventory', service: 'inventory', op: 'action' },
      { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
      // The coordinator retries the compensation with backoff: idle gaps of 10 s, 20 s and 40 s.
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate', fail: true, delayMs: 10_000 },
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate', fail: true, delayMs: 20_000 },
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate', delayMs: 40_000 },
      { step: 'create-order', service: 'order', op: 'compensate' },
    ],
  });
  await fleet.flush();
  await fleet.shutdown();
});

const tickLabels = (page: Page) => page.getByTestId('timeline-tick').allTextContents();
const query = (page: Page) => new URL(page.url()).searchParams;

test('a saga with idle gaps: collapsed, zoomed by a drag, the zoom in the URL, reset, ctrl + wheel', async ({ page }) => {
  await page.goto(`/sagas/${sagaId}`);
  const rows = page.getByTestId('timeline-row');
  await expect(rows).toHaveCount(7);

  // Collapsed by default: one marked band per backoff gap, the header says how much was left out.
  const bands = page.getByTestId('timeline-break');
  await expect(bands).toHaveCount(3);
  await expect(bands.nth(0)).toContainText('⋯ 10.0 s');
  await expect(bands.nth(2)).toContainText('⋯ 40.0 s');
  await expect(bands.nth(2)).toContainText('idle');
  await expect(page.getByTestId('timeline-axis-cut')).toContainText('axis cut');
  // The five early steps are readable bars, not slivers at the left edge.
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  let track = (await page.getByTestId('timeline-axis').boundingBox())!;
  let firstBand = (await bands.nth(0).boundingBox())!;
  expect(firstBand.x - track.x).toBeGreaterThan(track.width * 0.3);
  await page.getByTestId('timeline').screenshot({ path: 'docs/img/timeline-idle-gaps.png' });

  // The toggle draws the gaps to scale, in the URL; and back.
  const collapse = page.getByTestId('timeline-collapse');
  await expect(collapse).toBeChecked();
  await collapse.uncheck();
  await expect(bands).toHaveCount(0);
  await expect.poll(() => query(page).get('idle')).toBe('show');
  await collapse.check();
  await expect(bands).toHaveCount(3);
  await expect.poll(() => query(page).get('idle')).toBeNull();

  const wholeTicks = await tickLabels(page);
  const outside = page.locator('[data-testid="timeline-row"][data-outside]');
  await expect(outside).toHaveCount(0);

  // Drag across the axis over the first busy stretch only (the forward steps).
  // Measured again: the clicks above may have scrolled the page.
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  track = (await page.getByTestId('timeline-axis').boundingBox())!;
  firstBand = (await bands.nth(0).boundingBox())!;
  let y = track.y + track.height / 2;
  await page.mouse.move(track.x + 2, y);
  await page.mouse.down();
  await page.mouse.move(track.x + (firstBand.x - track.x) * 0.6, y, { steps: 6 });
  await page.mouse.up();

  await expect.poll(() => query(page).get('to')).not.toBeNull();
  const zoomedUrl = page.url();
  const from = Number(query(page).get('from') ?? 0);
  const to = Number(query(page).get('to'));
  expect(to).toBeGreaterThan(from);
  expect(to).toBeLessThan(100_000); // µs: within the first 100 ms of the saga
  await expect(page.getByTestId('timeline-window')).toContainText('showing');
  await expect(page.getByTestId('timeline-overview')).toBeVisible();
  // The retried compensations lie after the window: their bars are gone, their notes point right.
  const after = page.locator('[data-testid="timeline-row"][data-outside="after"]');
  const compensations = rows.filter({ hasText: 'compensate' });
  await expect(compensations).toHaveCount(4);
  for (let i = 0; i < 4; i++) await expect(compensations.nth(i)).toHaveAttribute('data-outside', 'after');
  await expect(after.locator('.bar')).toHaveCount(0);
  await expect(after.first()).toContainText('▸');
  // The first step, inside the window, keeps its bar.
  await expect(rows.first().locator('.bar')).toHaveCount(1);
  await expect(bands).toHaveCount(0);
  const zoomedTicks = await tickLabels(page);
  expect(zoomedTicks).not.toEqual(wholeTicks);

  // The link reproduces the view.
  await page.reload();
  await expect(rows).toHaveCount(7);
  for (let i = 0; i < 4; i++) await expect(compensations.nth(i)).toHaveAttribute('data-outside', 'after');
  expect(await tickLabels(page)).toEqual(zoomedTicks);
  expect(page.url()).toBe(zoomedUrl);

  // Reset: the whole saga again.
  await page.getByTestId('timeline-reset-zoom').click();
  await expect(outside).toHaveCount(0);
  await expect(bands).toHaveCount(3);
  await expect.poll(() => query(page).get('to')).toBeNull();
  expect(await tickLabels(page)).toEqual(wholeTicks);

  // ctrl + wheel over the axis zooms in around the pointer.
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  track = (await page.getByTestId('timeline-axis').boundingBox())!;
  y = track.y + track.height / 2;
  await page.mouse.move(track.x + track.width * 0.1, y);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -400);
  await page.keyboard.up('Control');
  await expect(page.getByTestId('timeline-window')).toBeVisible();
  await expect.poll(() => query(page).get('to')).not.toBeNull();
  expect(await tickLabels(page)).not.toEqual(wholeTicks);
  await expect(page.locator('[data-testid="timeline-row"][data-outside]')).not.toHaveCount(0);

  // The buttons, named within the timeline's zoom group (the step graph has zoom buttons of its own);
  // and the keys on the focused timeline.
  await page.getByTestId('timeline-reset-zoom').click();
  await expect.poll(() => query(page).get('to')).toBeNull();
  const zoom = page.getByRole('group', { name: 'Timeline zoom' });
  await zoom.getByRole('button', { name: 'Zoom in' }).click();
  await expect.poll(() => query(page).get('to')).not.toBeNull();
  await zoom.getByRole('button', { name: 'Zoom out' }).click();
  await expect.poll(() => query(page).get('to')).toBeNull();
  await page.getByRole('listbox', { name: /Steps of saga/ }).focus();
  await page.keyboard.press('+');
  await expect.poll(() => query(page).get('to')).not.toBeNull();
  await page.keyboard.press('0');
  await expect.poll(() => query(page).get('to')).toBeNull();
});

test('an unreadable zoom in the URL is ignored, not an error', async ({ page }) => {
  await page.goto(`/sagas/${sagaId}?from=abc&to=-3&idle=perhaps&utm_source=slack`);
  await expect(page.getByTestId('timeline-row')).toHaveCount(7);
  await expect(page.getByTestId('timeline-break')).toHaveCount(3);
  await expect(page.locator('[data-testid="timeline-row"][data-outside]')).toHaveCount(0);
});
