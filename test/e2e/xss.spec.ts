/**
 * Hostile input in a real Chromium (issue 6, "Hostile input"): a saga whose saga
 * name, service name, step names, attribute values and status message carry
 * markup, and whose saga.action_url is a `javascript:` URL, renders inert on the
 * list, the saga page (with the attribute panel open) and the trace page. Also:
 * the security headers on pages and API responses, and hostile query strings on
 * the read API answered with a 400 `{ error }`.
 */
import { test, expect, type Page } from '@playwright/test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';

const run = Date.now().toString(36);
const IMG = '<img src=x onerror="window.__xss=1">';
const SCRIPT = '<script>window.__xss=1</script>';
const sagaId = `e2e-xss-${run}`;
const sagaName = `xss ${IMG}`;
const service = `svc ${SCRIPT}`;
const stepName = `step ${IMG}`;
const attrValue = `attr ${SCRIPT}`;
const statusMessage = `failed ${IMG}`;
const JS_URL = 'javascript:window.__xss=1';
const t0 = Date.now() - 10_000;

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  const root = fleet.tracer(service).startSpan(`saga ${IMG}`, {
    kind: SpanKind.INTERNAL,
    startTime: t0,
    attributes: { 'saga.id': sagaId, 'saga.name': sagaName, 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
  });
  const step = fleet.tracer(service).startSpan(
    `action ${stepName}`,
    {
      kind: SpanKind.SERVER,
      startTime: t0 + 1,
      attributes: {
        'saga.id': sagaId,
        'saga.step': stepName,
        'saga.step.index': 1,
        'saga.op': 'action',
        'saga.attempt': 1,
        'saga.role': 'participant',
        'saga.action_url': JS_URL,
        'saga.compensate_url': JS_URL,
        'http.url': JS_URL,
        note: attrValue,
      },
    },
    trace.setSpan(context.active(), root),
  );
  step.setStatus({ code: SpanStatusCode.ERROR, message: statusMessage });
  step.end(t0 + 6);
  root.end(t0 + 20);
  await fleet.flush();
  await fleet.shutdown();
});

/** Fails the test if anything the payloads could have produced is in the page. */
async function expectInert(page: Page): Promise<void> {
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
  // No script element carries the payload (Next's own scripts are fine).
  const scripts = await page.locator('script').evaluateAll((ss) => ss.map((s) => s.textContent ?? ''));
  expect(scripts.filter((s) => s.trim() === 'window.__xss=1')).toEqual([]);
}

test('markup and javascript: URLs in a saga render as inert text everywhere', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });

  // The list.
  await page.goto(`/sagas?q=${encodeURIComponent(sagaId)}`);
  const row = page.getByTestId('saga-row').filter({ hasText: sagaId });
  await expect(row).toBeVisible();
  await expect(row).toContainText(sagaName);
  await expectInert(page);

  // The saga page, with the step selected so the attribute panel renders.
  await row.getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/sagas/${sagaId}`));
  await expect(page.getByTestId('saga-header')).toContainText(sagaName);
  const stepRow = page.getByTestId('timeline-row').filter({ hasText: stepName }).first();
  await expect(stepRow).toBeVisible();
  await stepRow.click();
  await expect(page).toHaveURL(/span=[0-9a-f]{16}/);
  const attrs = page.getByTestId('span-attributes');
  await expect(attrs).toContainText(attrValue);
  await expect(attrs).toContainText(service);
  await expect(attrs).toContainText(JS_URL);
  await expect(attrs).toContainText(statusMessage);
  await expectInert(page);

  // The trace page.
  await page.getByTestId('trace-links').getByRole('link').first().click();
  await expect(page).toHaveURL(/\/traces\/[0-9a-f]{32}/);
  await expect(page.getByTestId('timeline-row').filter({ hasText: stepName }).first()).toBeVisible();
  await expect(page.getByText(service).first()).toBeVisible();
  await expectInert(page);

  expect(errors).toEqual([]);
});

test('markup in saga, step and service names stays text in the analyze tables and chart tooltips', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });

  // A narrow window around the saga, so its failing step is among the top ones whatever else the database holds.
  const around = `from=${new Date(t0 - 60_000).toISOString()}&to=${new Date(t0 + 60_000).toISOString()}`;
  await expect.poll(async () => (await (await page.request.get(`/api/stats?${around}&name=${encodeURIComponent(sagaName)}`)).json()).totals.count).toBe(1);

  // The Overview's per-name table and top failing steps.
  await page.goto(`/?${around}`);
  await expect(page.getByTestId('name-row').filter({ hasText: sagaName })).toBeVisible();
  await expect(page.getByTestId('failing-steps').getByTestId('step-row').filter({ hasText: stepName }).first()).toContainText(service);
  await expectInert(page);

  // The name's page: hovering a bar shows the name in the tooltip, as text.
  await page.getByTestId('name-row').filter({ hasText: sagaName }).getByRole('link').click();
  await expect(page).toHaveURL(/\/insights\?name=/);
  await expect(page.getByTestId('insights-title')).toContainText(sagaName);
  const bar = page.getByTestId('chart-status').locator('.recharts-bar-rectangle path').first();
  await bar.hover();
  await expect(page.getByTestId('chart-status').getByTestId('chart-tooltip')).toContainText(sagaName);
  await expectInert(page);

  // One step's charts: step and service names in the heading and the tooltip.
  await page.getByTestId('steps-table').getByTestId('step-row').filter({ hasText: stepName }).first().getByRole('link').click();
  await expect(page).toHaveURL(/step=/);
  await expect(page.getByTestId('step-section')).toContainText(stepName);
  const calls = page.getByTestId('step-chart-calls');
  await calls.locator('.recharts-bar-rectangle path').first().hover();
  await expect(calls.getByTestId('chart-tooltip')).toContainText(stepName);
  await expect(calls.getByTestId('chart-tooltip')).toContainText(service);
  await expectInert(page);

  expect(errors).toEqual([]);
});

test('security headers on pages and API responses', async ({ request }) => {
  for (const path of ['/', '/insights', '/sagas', `/sagas/${sagaId}`, '/login', '/api/sagas', '/api/health']) {
    const res = await request.get(path);
    const h = res.headers();
    expect(h['x-content-type-options'], path).toBe('nosniff');
    expect(h['referrer-policy'], path).toMatch(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/);
    expect(h['content-security-policy'], path).toMatch(/frame-ancestors 'none'/);
    // Scripts only from our origin or with this response's nonce: never inline.
    const scriptSrc = h['content-security-policy']!.split(/;\s*/).find((d) => d.startsWith('script-src'));
    expect(scriptSrc, path).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'$/);
  }
  const nonceOf = async () => /'nonce-([^']+)'/.exec((await request.get('/sagas')).headers()['content-security-policy']!)![1];
  expect(await nonceOf()).not.toBe(await nonceOf());
});

test('the strict CSP still lets every page hydrate, and its scripts carry the nonce', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto('/sagas');
  const nonce = /'nonce-([^']+)'/.exec(res!.headers()['content-security-policy']!)![1];
  // Next's inline bootstrap scripts carry the nonce (chunks it loads later are allowed by 'strict-dynamic').
  const inline = await page.locator('script:not([src])').evaluateAll((els) => els.map((e) => (e as HTMLScriptElement).nonce));
  expect(inline.length).toBeGreaterThan(0);
  expect(inline.filter((n) => n !== nonce)).toEqual([]);
  // Next's client bootstrap ran (it sets window.next), so the page hydrated under the policy.
  await page.waitForFunction(() => Boolean((window as unknown as { next?: { version?: string } }).next?.version));
  expect(violations).toEqual([]);
});

test('hostile query strings on the read API: 400 with { error }, or a correct empty list', async ({ request }) => {
  for (const qs of [
    'q=%00',
    `name=${'x'.repeat(10_240)}`,
    'from=-100000-01-01T00:00:00Z',
    'limit=-1',
    'cursor=bm90LWEtY3Vyc29y',
  ]) {
    const res = await request.get(`/api/sagas?${qs}`);
    expect(res.status(), qs.slice(0, 60)).toBe(400);
    expect(typeof (await res.json()).error).toBe('string');
  }
  const res = await request.get(`/api/sagas?q=${encodeURIComponent("' OR 1=1 --")}`);
  expect(res.status()).toBe(200);
  expect((await res.json()).items).toEqual([]);
  // An unknown parameter, hostile or not, is ignored (links survive): the same list as without it.
  const plain = await request.get(`/api/sagas?limit=5`);
  const withUnknown = await request.get(`/api/sagas?limit=5&orderBy=${encodeURIComponent('id; DROP TABLE saga')}`);
  expect(withUnknown.status()).toBe(200);
  expect((await withUnknown.json()).items).toEqual((await plain.json()).items);
});

test('hostile paths through the real server (issue 15 §6): ids PostgreSQL cannot take and undecodable escapes are 400 / 404, never 500', async ({ request }) => {
  for (const [path, status] of [
    ['/api/sagas/%00', 400],
    ['/api/sagas/%00/timeline', 400],
    ['/api/sagas/%00/version', 400],
    ['/api/sagas/%ED%A0%80', 400],
    ['/api/sagas/%ED%A0%80/timeline', 400],
    ['/api/traces/%ED%A0%80', 400],
    ['/api/sagas/%FF', 400],
    ['/api/sagas/abc%ZZ', 400],
    ['/sagas/%00', 404],
    ['/sagas/%ED%A0%80', 400],
    ['/traces/%ED%A0%80', 400],
    ['/traces/%00', 404],
  ] as const) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(status);
    if (path.startsWith('/api/')) expect(typeof (await res.json()).error, path).toBe('string');
  }
});

test('a forged X-Forwarded-Host does not make a cross-site request same-origin (no trusted proxy configured)', async ({ request }) => {
  const res = await request.post('/api/auth/login', {
    data: { name: 'nobody', password: 'wrong-password-1' },
    headers: { Origin: 'http://evil.example', 'X-Forwarded-Host': 'evil.example' },
  });
  expect(res.status()).toBe(403);
});
