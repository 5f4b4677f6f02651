/**
 * A running saga's page updates itself (components/saga/LiveUpdates.tsx): the
 * page is opened while the saga is compensating, its later spans are then sent
 * through the real OTel SDK, and the page shows them in place — the same DOM
 * nodes (no reload, no remount), the selected span still selected, no loading
 * state shown — until the saga is compensated, where polling stops. While
 * nothing arrives the poll is answered 304.
 */
import { test, expect, type Page } from '@playwright/test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ServiceFleet } from '../support/otel-saga';
import { e2ePorts } from '../../playwright.config';
import { LIVE_POLL_MS } from '../../lib/ui/live-poll';

const id = `e2e-live-${Date.now().toString(36)}`;
const steps = ['create-order', 'reserve-inventory', 'charge-payment'];
let t = Date.now() - 5_000;

type Call = { step: string; op: 'action' | 'compensate'; fail?: boolean };
const send = (calls: Call[]) => sendFor(id, calls);

/** Marks nodes and the window: a reload loses the window's property, a remount makes new nodes. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const q = (s: string) => document.querySelector(`[data-testid="${s}"]`);
    w.__live = { header: q('saga-header'), timeline: q('timeline'), chain: q('compensation-chain'), live: q('saga-live'), panel: q('span-attributes') };
    // Any loading state that shows during an update is recorded.
    const flashes: string[] = [];
    w.__flashes = flashes;
    // A scroll jump painted and then undone would show here.
    const at = scrollY;
    addEventListener('scroll', () => {
      if (scrollY !== at) flashes.push(`scrolled to ${scrollY}`);
    });
    new MutationObserver(() => {
      for (const s of ['chain-loading', 'timeline-more']) if (document.querySelector(`[data-testid="${s}"]`)) flashes.push(s);
    }).observe(document.body, { subtree: true, childList: true });
  });
}

async function sameNodes(page: Page): Promise<Record<string, boolean>> {
  return page.evaluate((): Record<string, boolean> => {
    const m = (window as unknown as { __live?: Record<string, Element | null> }).__live;
    if (!m) return { reloaded: true };
    const q = (s: string) => document.querySelector(`[data-testid="${s}"]`);
    return {
      header: m.header !== null && m.header === q('saga-header') && m.header.isConnected,
      timeline: m.timeline !== null && m.timeline === q('timeline'),
      chain: m.chain !== null && m.chain === q('compensation-chain'),
      live: m.live !== null && m.live === q('saga-live'),
      panel: m.panel !== null && m.panel === q('span-attributes'),
    };
  });
}
const ALL_SAME = { header: true, timeline: true, chain: true, live: true, panel: true };

test('a running saga updates in place on its page until it ends; idle polls are 304s, none after the end', async ({ page, request }) => {
  test.setTimeout(90_000);
  // Forward: create-order and reserve-inventory done, charge-payment failed. Nothing undone yet: compensating.
  await send([
    { step: 'create-order', op: 'action' },
    { step: 'reserve-inventory', op: 'action' },
    { step: 'charge-payment', op: 'action', fail: true },
  ]);
  await expect.poll(async () => (await request.get(`/api/sagas/${id}`)).status(), { timeout: 20_000 }).toBe(200);

  const polls: number[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith(`/api/sagas/${id}/version`)) polls.push(r.status());
  });
  await page.goto(`/sagas/${id}`);
  const header = page.getByTestId('saga-header');
  const rows = page.getByTestId('timeline-row');
  await expect(header.getByTestId('status-badge')).toHaveAttribute('data-status', 'compensating');
  await expect(rows).toHaveCount(3);
  const live = page.getByTestId('saga-live');
  await expect(live).toHaveAttribute('data-mode', 'live');

  // The reader's state: a selected span (in the URL, its attributes open) and a scrolled page.
  await rows.filter({ hasText: 'charge-payment' }).first().click();
  await expect(page).toHaveURL(/span=[0-9a-f]{16}/);
  const selectedUrl = page.url();
  const attrs = page.getByTestId('span-attributes');
  await expect(attrs).toContainText('charge-payment failed');
  await page.evaluate(() => window.scrollTo(0, 200));
  const scrollY = await page.evaluate(() => window.scrollY);
  await mark(page);

  // Nothing new: the poll is answered 304, the page stays as it is.
  await expect.poll(() => polls.filter((s) => s === 304).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
  expect(polls.every((s) => s === 304)).toBe(true);
  await expect(live).toContainText(/Live · updated/);

  // reserve-inventory is undone: a fourth row, still compensating.
  await send([{ step: 'reserve-inventory', op: 'compensate' }]);
  await expect(rows).toHaveCount(4);
  await expect(rows.filter({ hasText: 'reserve-inventory' })).toHaveCount(2);
  expect(polls).toContain(200);
  expect(await sameNodes(page)).toEqual(ALL_SAME);
  await expect(header.getByTestId('status-badge')).toHaveAttribute('data-status', 'compensating');
  expect(page.url()).toBe(selectedUrl);
  await expect(attrs).toContainText('charge-payment failed');
  expect(await page.evaluate(() => window.scrollY)).toBe(scrollY);

  // create-order is undone: compensated, a terminal status. The page says so and stops polling.
  await send([{ step: 'create-order', op: 'compensate' }]);
  await expect(header.getByTestId('status-badge')).toHaveAttribute('data-status', 'compensated');
  await expect(rows).toHaveCount(5);
  await expect(page.getByTestId('compensation-pair')).toHaveCount(2);
  await expect(live).toHaveAttribute('data-mode', 'ended');
  await expect(live).toContainText('Ended');
  await expect(page.getByTestId('saga-live-toggle')).toHaveCount(0);
  expect(await sameNodes(page)).toEqual(ALL_SAME);
  expect(page.url()).toBe(selectedUrl);
  expect(await page.evaluate(() => (window as unknown as { __flashes: string[] }).__flashes)).toEqual([]);

  const afterEnd = polls.length;
  // Two poll intervals and a margin: a poll that was due would have gone out.
  await page.waitForTimeout(2 * LIVE_POLL_MS + 1_000);
  expect(polls.length).toBe(afterEnd);
});

test('paused, the page does not poll; resumed, it catches up at once', async ({ page, request }) => {
  const pausedId = `${id}-p`;
  const polls: string[] = [];
  // A saga of its own, compensating.
  await sendFor(pausedId, [
    { step: 'create-order', op: 'action' },
    { step: 'charge-payment', op: 'action', fail: true },
  ]);
  await expect.poll(async () => (await request.get(`/api/sagas/${pausedId}`)).status(), { timeout: 20_000 }).toBe(200);
  page.on('request', (r) => {
    if (r.url().includes(`/api/sagas/${pausedId}/version`)) polls.push(r.url());
  });
  await page.goto(`/sagas/${pausedId}`);
  const live = page.getByTestId('saga-live');
  await expect(live).toHaveAttribute('data-mode', 'live');
  await page.getByTestId('saga-live-toggle').click();
  await expect(live).toHaveAttribute('data-mode', 'paused');
  await expect(page.getByTestId('saga-live-toggle')).toHaveText(/Resume live updates/);
  const before = polls.length;
  await sendFor(pausedId, [{ step: 'create-order', op: 'compensate' }]);
  await page.waitForTimeout(2 * LIVE_POLL_MS + 1_000);
  expect(polls.length).toBe(before);
  await expect(page.getByTestId('timeline-row')).toHaveCount(2);

  await page.getByTestId('saga-live-toggle').click();
  await expect(page.getByTestId('timeline-row')).toHaveCount(3);
  await expect(page.getByTestId('saga-header').getByTestId('status-badge')).toHaveAttribute('data-status', 'compensated');
  await expect(live).toHaveAttribute('data-mode', 'ended');
});

/** One participant span per call, each its own trace (no coordinator: the saga ends when its compensations are done). */
async function sendFor(sagaId: string, calls: Call[]): Promise<void> {
  const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `http://127.0.0.1:${e2ePorts.http}/v1/traces` }));
  for (const c of calls) {
    const span = fleet.tracer(c.step.split('-')[1]!).startSpan(`${c.op} ${c.step}`, {
      kind: SpanKind.SERVER,
      startTime: t,
      attributes: {
        'saga.id': sagaId, 'saga.name': 'checkout', 'saga.role': 'participant', 'saga.step': c.step,
        'saga.step.index': steps.indexOf(c.step) + 1, 'saga.op': c.op, 'saga.attempt': 1,
      },
    });
    if (c.fail) span.setStatus({ code: SpanStatusCode.ERROR, message: `${c.step} failed` });
    span.end(t + 5);
    t += 10;
  }
  await fleet.flush();
  await fleet.shutdown();
}
