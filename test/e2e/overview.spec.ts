/**
 * The Overview and the per-name / per-step pages in a real Chromium against
 * `npm start`: sagas sent through the OTel SDK exporter land in the rollups,
 * the KPI cards show what was sent, the charts draw, the failed count opens the
 * filtered list, the time range picker edits the URL, and an empty range says so.
 *
 * The sagas are placed in a minute of their own a few hours back, so an
 * absolute range around it holds exactly these sagas whatever else the shared
 * e2e database contains.
 */
import { test, expect, type Page } from '@playwright/test';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet, emitSaga, type StepPlan } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';
import type { StatsResponse } from '../../lib/stats/types';

const run = Date.now().toString(36);
const name = `ov-${run}`;
const other = `ov-other-${run}`;
const MIN = 60_000;
// A minute 3–20 h back, different on every run.
const minute = Math.floor(Date.now() / MIN) - 180 - Math.floor(Math.random() * 1000);
const t0 = minute * MIN + 5_000;
const fromIso = new Date(minute * MIN).toISOString();
const toIso = new Date((minute + 2) * MIN).toISOString();
const rangeQs = `from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`;

// A zone with an offset, so the picker's zone label and local times are exercised (UTC+01:00 in winter, +02:00 in summer).
test.use({ timezoneId: 'Europe/Paris' });
// In local mode (the header's switch, remembered in this cookie): the default, UTC, would not show that zone.
test.beforeEach(async ({ context, baseURL }) => {
  await context.addCookies([{ name: 'sagascope_tz', value: 'local:Europe/Paris', url: baseURL! }]);
});

const ok = (step: string, service: string): StepPlan => ({ step, service, op: 'action' });
const fail = (step: string, service: string): StepPlan => ({ step, service, op: 'action', fail: true });
const comp = (step: string, service: string): StepPlan => ({ step, service, op: 'compensate' });

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  const sagas: { steps: StepPlan[]; name?: string }[] = [
    { steps: [ok('create-order', 'order'), ok('reserve-inventory', 'inventory'), ok('charge-payment', 'payment')] },
    // A retried step: the second attempt succeeds.
    { steps: [ok('create-order', 'order'), ok('reserve-inventory', 'inventory'), fail('charge-payment', 'payment'), ok('charge-payment', 'payment')] },
    {
      steps: [ok('create-order', 'order'), ok('reserve-inventory', 'inventory'), fail('charge-payment', 'payment'), comp('reserve-inventory', 'inventory'), comp('create-order', 'order')],
    },
    // Finished without compensating create-order: failed.
    { steps: [ok('create-order', 'order'), ok('reserve-inventory', 'inventory'), fail('charge-payment', 'payment'), comp('reserve-inventory', 'inventory')] },
    { name: other, steps: [ok('create-order', 'order')] },
  ];
  sagas.forEach((s, i) => emitSaga(fleet, { id: `ov-${run}-${i}`, name: s.name ?? name, steps: s.steps, t0: t0 + i * 1_000 }));
  await fleet.flush();
  await fleet.shutdown();
});

/** The API agrees with what was sent (the collector has written and the timed transitions are applied). */
async function waitForRollups(page: Page): Promise<void> {
  await expect
    .poll(async () => {
      const res = await page.request.get(`/api/stats?${rangeQs}`);
      const s = (await res.json()) as StatsResponse;
      return [s.totals.count, s.totals.byStatus.committed, s.totals.byStatus.compensated, s.totals.byStatus.failed, s.totals.retries, s.current.failed];
    }, { timeout: 20_000 })
    .toEqual([5, 3, 1, 1, 1, 1]);
}

test('overview: KPIs match the sagas sent, charts draw, tables link on', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await waitForRollups(page);
  await page.goto(`/?${rangeQs}`);

  await expect(page.getByTestId('kpi-sagas-value')).toHaveText('5');
  await expect(page.getByTestId('kpi-failure-rate-value')).toHaveText('20.0 %');
  await expect(page.getByTestId('kpi-compensation-rate-value')).toHaveText('40.0 %');
  await expect(page.getByTestId('kpi-retries-value')).toHaveText('1');
  await expect(page.getByTestId('kpi-current-failed-value')).toHaveText('1');
  await expect(page.getByTestId('kpi-current-stuck-value')).toHaveText('0');
  await expect(page.getByTestId('kpi-p95-value')).not.toHaveText('—');
  await expect(page.getByTestId('kpi-ttc-value')).not.toHaveText('—');

  // Charts: stacked bars by status (committed, compensated and failed drawn), lines with points.
  const status = page.getByTestId('chart-status');
  await expect(status.locator('.recharts-bar-rectangle path')).toHaveCount(3);
  await expect(page.getByTestId('chart-rates').locator('.recharts-line-dot, .recharts-dot').first()).toBeAttached();
  await expect(page.getByTestId('chart-duration').locator('path.recharts-line-curve')).toHaveCount(3);
  await expect(page.getByTestId('chart-ttc').locator('.recharts-dot').first()).toBeAttached();
  await expect(page.getByTestId('range-bucket')).toHaveText('bucket 1m (auto)');
  await expect(page.getByTestId('range-timezone')).toContainText(/times in Europe\/Paris \(UTC\+0[12]:00\)/);

  // Hover the bars: the tooltip names the bucket and the counts.
  await status.locator('.recharts-bar-rectangle path').first().hover();
  const tip = status.getByTestId('chart-tooltip');
  await expect(tip).toContainText('All sagas');
  await expect(tip).toContainText('committed');

  // Per-name table and top failing steps.
  const nameRow = page.getByTestId('name-row').filter({ hasText: name });
  await expect(nameRow).toContainText('4');
  await expect(page.getByTestId('name-row').filter({ hasText: other })).toBeVisible();
  const failing = page.getByTestId('failing-steps').getByTestId('step-row').first();
  await expect(failing).toContainText('charge-payment');
  await expect(failing).toContainText('60.0 %'); // 3 failed runs of 5
  await page.screenshot({ path: 'test-results/overview.png', fullPage: true });

  // The failed count opens the list with the same filter.
  await page.getByTestId('kpi-current-failed').click();
  await expect(page).toHaveURL(/\/sagas\?status=failed&from=.+&to=.+/);
  await expect(page.getByTestId('saga-row')).toHaveCount(1);
  await expect(page.getByTestId('saga-row')).toContainText(`ov-${run}-3`);
  expect(errors).toEqual([]);
});

test('per-name page and one step’s charts', async ({ page }) => {
  await waitForRollups(page);
  await page.goto(`/?${rangeQs}`);
  await page.getByTestId('name-row').filter({ hasText: name }).getByRole('link', { name }).click();
  await expect(page).toHaveURL(new RegExp(`/insights\\?name=${name}&from=`));
  await expect(page.getByTestId('insights-title')).toContainText(name);
  await expect(page.getByTestId('kpi-sagas-value')).toHaveText('4');
  await expect(page.getByTestId('kpi-failure-rate-value')).toHaveText('25.0 %');
  await expect(page.getByTestId('chart-retries').locator('.recharts-bar-rectangle path')).toHaveCount(1);

  const steps = page.getByTestId('steps-table').getByTestId('step-row');
  await expect(steps.first()).toContainText('charge-payment');
  await steps.filter({ hasText: 'charge-payment' }).first().getByRole('link').click();
  await expect(page).toHaveURL(/step=charge-payment&service=payment&op=action/);
  const section = page.getByTestId('step-section');
  await expect(section).toContainText('charge-payment');
  await expect(page.getByTestId('step-chart-latency').locator('path.recharts-line-curve')).toHaveCount(3);
  await expect(page.getByTestId('step-chart-errors').locator('.recharts-dot').first()).toBeAttached();
  // 2 runs without error + 3 failed + 1 retry, all in one bucket.
  await expect(page.getByTestId('step-chart-calls').locator('.recharts-bar-rectangle path')).toHaveCount(3);
  await page.getByTestId('step-chart-calls').locator('.recharts-bar-rectangle path').first().hover();
  await expect(page.getByTestId('step-chart-calls').getByTestId('chart-tooltip')).toContainText(/failed\s*3/);
  await expect(page.getByTestId('steps-table').locator('tr[aria-current="true"]')).toContainText('charge-payment');
  await section.screenshot({ path: 'test-results/insights-step.png' });
});

test('time range picker: presets, absolute bounds, bucket; all in the URL', async ({ page }) => {
  await waitForRollups(page);
  await page.goto(`/?${rangeQs}`);
  await expect(page.getByTestId('kpi-sagas-value')).toHaveText('5');

  // A bucket override: two 1-minute buckets become one 2-minute bucket.
  await page.getByTestId('bucket-select').selectOption('2m');
  await expect(page).toHaveURL(/bucket=2m/);
  await expect(page.getByTestId('range-bucket')).toHaveText('bucket 2m');
  await expect(page.getByTestId('chart-status').locator('.recharts-bar-rectangle path')).toHaveCount(3);

  // A preset replaces the absolute bounds (and the bucket).
  await page.getByRole('button', { name: 'Last 6 h' }).click();
  await expect(page).toHaveURL(/\/\?range=6h$/);
  await expect(page.getByRole('button', { name: 'Last 6 h' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('range-bucket')).toHaveText('bucket 5m (auto)');

  // Absolute bounds typed in local time become ISO in the URL and show the sagas again.
  const local = (iso: string) => {
    const d = new Date(iso);
    const p = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  };
  const fromLocal = await page.evaluate(local, fromIso);
  const toLocal = await page.evaluate(local, toIso);
  await page.getByLabel('From (Europe/Paris)').fill(fromLocal);
  await page.getByLabel('To (Europe/Paris)').fill(toLocal);
  await page.getByRole('button', { name: 'Apply range' }).click();
  await expect(page).toHaveURL(`/?from=${encodeURIComponent(fromIso)}&to=${encodeURIComponent(toIso)}`);
  await expect(page.getByTestId('kpi-sagas-value')).toHaveText('5');

  // The link reproduces the view in a fresh page.
  const again = await page.context().newPage();
  await again.goto(page.url());
  await expect(again.getByTestId('kpi-sagas-value')).toHaveText('5');
  await again.close();
});

test('the loading state names what is loading and for which range', async ({ page }) => {
  // The figures stream in behind a Suspense boundary, so the first HTML holds its
  // fallback — unless the queries finished before React wrote the page's shell,
  // which a busy machine sometimes makes happen. Then the figures are inline and
  // there is no loading state to see; a few requests (different ranges, nothing
  // cached) are enough to catch one with it.
  let html = '';
  for (let i = 0; i < 8 && !html.includes('data-testid="stats-loading"'); i++) {
    const from = new Date(Date.parse(fromIso) - i * 1000).toISOString();
    html = await (await page.request.get(`/?from=${encodeURIComponent(from)}&to=${encodeURIComponent(toIso)}`)).text();
    if (!html.includes('data-testid="stats-loading"')) expect(html).toContain('data-testid="kpis"');
  }
  expect(html).toContain('data-testid="stats-loading"');
  expect(html).toMatch(/Loading (<!-- -->)?saga figures(<!-- -->)? for/);
});

test('an empty range says so; a bad one gives a message', async ({ page }) => {
  const emptyFrom = new Date(Date.UTC(2001, 0, 1)).toISOString();
  const emptyTo = new Date(Date.UTC(2001, 0, 1, 1)).toISOString();
  await page.goto(`/?from=${emptyFrom}&to=${emptyTo}`);
  const empty = page.getByTestId('stats-empty');
  await expect(empty).toContainText('No sagas started between');
  await expect(empty).toContainText('listens for OTLP');
  await expect(page.getByTestId('kpis')).toHaveCount(0);
  await page.screenshot({ path: 'test-results/overview-empty.png' });

  await page.goto(`/insights?name=${encodeURIComponent(`nobody-${run}`)}&range=15m`);
  await expect(page.getByTestId('stats-empty')).toContainText(`named “nobody-${run}”`);

  await page.goto('/?range=2y');
  await expect(page.getByTestId('stats-error')).toContainText('range');
  await page.goto('/?range=30d&bucket=1m');
  await expect(page.getByTestId('stats-error')).toContainText('bucket');
});
