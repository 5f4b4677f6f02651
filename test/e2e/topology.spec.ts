/**
 * The topology page and the per-saga step graph against `npm start` with spans
 * sent through the real OTel SDK exporter: a compensated checkout shows its
 * steps (failed step highlighted, compensations in run order) and links to its
 * own service graph; hostile service names render as inert text in the graph;
 * a bad query gets a clear message.
 */
import { test, expect, type Page } from '@playwright/test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';

const run = Date.now().toString(36);
const ids = { comp: `e2e-topo-comp-${run}`, xss: `e2e-topo-xss-${run}` };
const IMG = '<img src=x onerror=alert(1)>';
const JS = 'javascript:alert(1)';

test.beforeAll(async () => {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  emitSaga(fleet, {
    id: ids.comp,
    name: `topo-checkout-${run}`,
    steps: [
      { step: 'create-order', service: 'order', op: 'action' },
      { step: 'reserve-inventory', service: 'inventory', op: 'action' },
      { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
      { step: 'reserve-inventory', service: 'inventory', op: 'compensate' },
      { step: 'create-order', service: 'order', op: 'compensate' },
    ],
  });
  // A coordinator named like a URL calling a participant named like markup: both are nodes, joined by an edge.
  const t0 = Date.now() - 10_000;
  const root = fleet.tracer(JS).startSpan(`saga ${IMG}`, {
    kind: SpanKind.INTERNAL,
    startTime: t0,
    attributes: { 'saga.id': ids.xss, 'saga.name': `xss-topo ${IMG}`, 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
  });
  const step = fleet.tracer(IMG).startSpan(
    `action ${IMG}`,
    {
      kind: SpanKind.SERVER,
      startTime: t0 + 1,
      attributes: { 'saga.id': ids.xss, 'saga.step': `step ${IMG}`, 'saga.step.index': 1, 'saga.op': 'action', 'saga.attempt': 1, 'saga.role': 'participant' },
    },
    trace.setSpan(context.active(), root),
  );
  step.setStatus({ code: SpanStatusCode.ERROR, message: IMG });
  step.end(t0 + 6);
  root.end(t0 + 20);
  await fleet.flush();
  await fleet.shutdown();
});

/** Waits until the collector has stored the saga (the page is server-rendered per request). */
async function gotoWhenStored(page: Page, path: string, ready: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await page.goto(path);
        return page.getByTestId(ready).count();
      },
      { timeout: 20_000, intervals: [500, 1_000] },
    )
    .toBeGreaterThan(0);
}

test('saga page: step graph with the failed step highlighted, compensations in run order, link to its service graph', async ({ page }) => {
  // The section is server-rendered once the saga is stored; the graph itself mounts after hydration.
  await gotoWhenStored(page, `/sagas/${ids.comp}`, 'step-graph-section');
  const graph = page.getByTestId('step-graph');
  const nodes = graph.getByTestId('step-graph-node');
  await expect(nodes).toHaveCount(5);
  await expect(graph.locator('[data-testid="step-graph-node"][data-kind="forward"]')).toHaveCount(3);
  await expect(graph.locator('[data-testid="step-graph-node"][data-kind="compensation"]')).toHaveCount(2);
  const failed = graph.locator('[data-testid="step-graph-node"][data-failed="true"]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText('charge-payment');
  await expect(failed).toContainText('failed step');
  await expect(failed).toHaveClass(/step-node--failed/);
  // 2 forward edges, 2 compensation edges (failed step → first compensation → next), 2 undo edges.
  await expect(graph.locator('.react-flow__edge.step-edge--forward')).toHaveCount(2);
  await expect(graph.locator('.react-flow__edge.step-edge--compensation')).toHaveCount(2);
  await expect(graph.locator('.react-flow__edge.step-edge--undo')).toHaveCount(2);
  // The compensations are numbered in the order they ran: reserve-inventory first.
  await expect(graph.locator('[data-kind="compensation"]').filter({ hasText: '#1' })).toContainText('reserve-inventory');

  // Selecting a node selects its span on the timeline.
  await failed.click();
  await expect(page).toHaveURL(/span=[0-9a-f]{16}/);
  await expect(failed).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('step-graph-section').screenshot({ path: 'test-results/step-graph.png' });
  await page.getByTestId('step-graph-section').screenshot({ path: 'docs/img/step-graph.png' });

  // This saga's own service graph.
  await page.getByTestId('saga-topology-link').click();
  await expect(page).toHaveURL(new RegExp(`/topology\\?sagaId=${ids.comp}$`));
  await expect(page.getByTestId('topology-saga-scope')).toContainText(ids.comp);
  const services = page.getByTestId('topology-node');
  await expect(services).toHaveCount(4);
  expect((await services.evaluateAll((els) => els.map((e) => e.getAttribute('data-service')))).sort()).toEqual(['inventory', 'orchestrator', 'order', 'payment']);
  const edges = page.getByTestId('topology-edge');
  await expect(edges).toHaveCount(3);
  for (const target of ['order', 'inventory', 'payment']) {
    await expect(page.locator(`[data-testid="topology-edge"][data-source="orchestrator"][data-target="${target}"]`)).toHaveCount(1);
  }
  // Payment's one call failed: red; inventory's action and compensation both succeeded: green.
  await expect(page.locator('[data-testid="topology-node"][data-service="payment"]')).toHaveAttribute('data-health', 'bad');
  await expect(page.locator('[data-testid="topology-edge"][data-target="payment"]')).toContainText('1 · 100 % · p95');
  await expect(page.locator('[data-testid="topology-node"][data-service="inventory"]')).toHaveAttribute('data-health', 'ok');
  await expect(page.locator('[data-testid="topology-edge"][data-target="inventory"]')).toContainText('2 · 0 % · p95');
  await page.getByTestId('topology-graph').screenshot({ path: 'test-results/topology-saga.png' });

  // A node opens the list filtered to the service and this saga.
  await page.locator('[data-testid="topology-node"][data-service="payment"]').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/sagas\\?service=payment&q=${ids.comp}`));
  await expect(page.getByTestId('saga-row')).toHaveCount(1);
  await expect(page.getByTestId('saga-row')).toContainText(ids.comp);
});

test('hostile service names render as inert text in the topology', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  for (const path of [`/topology?sagaId=${encodeURIComponent(ids.xss)}`, `/topology?range=15m&sagaName=${encodeURIComponent(`xss-topo ${IMG}`)}`]) {
    await gotoWhenStored(page, path, 'topology-node');
    const img = page.locator('[data-testid="topology-node"]').filter({ hasText: IMG });
    const js = page.locator('[data-testid="topology-node"]').filter({ hasText: JS });
    await expect(img).toHaveCount(1);
    await expect(js).toHaveCount(1);
    await expect(img.getByRole('link')).toHaveText(IMG);
    await expect(js.getByRole('link')).toHaveText(JS);
    // Links carry the names only as encoded query values.
    await expect(js.getByRole('link')).toHaveAttribute('href', /^\/sagas\?service=javascript%3Aalert%281%29&/);
    await expect(page.getByTestId('topology-edge')).toHaveCount(1);
    await expect(page.getByTestId('topology-edge')).toHaveAttribute('data-target', IMG);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
    // Clicking the hostile node goes to our list, nowhere else.
    await js.getByRole('link').click();
    await expect(page).toHaveURL(/\/sagas\?service=javascript%3Aalert%281%29/);
    await expect(page.getByTestId('saga-row').filter({ hasText: ids.xss })).toHaveCount(1);
  }
  expect(errors).toEqual([]);
});

test('topology: range presets and saga name live in the URL; a bad query is explained', async ({ page }) => {
  await gotoWhenStored(page, `/topology?range=15m&name=topo-checkout-${run}`, 'topology-node');
  await expect(page.getByTestId('topology-node')).toHaveCount(4);
  await expect(page.getByRole('button', { name: 'Last 15 min' })).toHaveAttribute('aria-pressed', 'true');
  await page.getByRole('button', { name: 'Last 6 h' }).click();
  await expect(page).toHaveURL(new RegExp(`/topology\\?range=6h&name=topo-checkout-${run}$`));
  await expect(page.getByTestId('topology-node')).toHaveCount(4);
  // Positions do not move on a refresh.
  const positions = () =>
    page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-id')} ${(e as HTMLElement).style.transform}`).sort());
  const before = await positions();
  await page.reload();
  await expect(page.getByTestId('topology-node')).toHaveCount(4);
  expect(await positions()).toEqual(before);
  // An edge label opens the list filtered to the callee, with the range and name.
  await page.locator('[data-testid="topology-edge"][data-target="inventory"]').click();
  await expect(page).toHaveURL(new RegExp(`/sagas\\?service=inventory&name=topo-checkout-${run}&from=`));
  await expect(page.getByTestId('saga-row')).toHaveCount(1);

  await page.goto('/topology?range=2y');
  await expect(page.getByTestId('topology-error')).toContainText('range');
  await page.goto('/topology?sagaId=no-such-saga');
  await expect(page.getByTestId('topology-error')).toContainText('No saga with id');
  await page.goto(`/topology?from=2001-01-01T00:00:00Z&to=2001-01-01T01:00:00Z`);
  await expect(page.getByTestId('topology-empty')).toBeVisible();
});
