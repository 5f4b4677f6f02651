/**
 * On the demo fleet (`npm start -- --demo`, short thresholds: stuck after 30 s,
 * failed grace 10 s):
 * - a running demo saga's page updates in place until the saga ends: opened
 *   while it runs, it shows the terminal status without a reload (the same DOM
 *   nodes), and the live indicator says it ended;
 * - an order id read off a checkout saga's business keys, typed into the list's
 *   search box, finds the sagas that carry it: that checkout, plus a refund of
 *   that order if the demo ran one (the refund flow refunds earlier committed
 *   checkouts and records the same order id: demo/services/payment.ts, order.ts).
 */
import { test, expect, type Page } from '@playwright/test';

interface SagaListJson {
  items: Array<{ id: string; name: string | null; status: string }>;
}
interface SagaDetailJson {
  saga: { id: string; name: string | null; status: string };
  keys: Array<{ name: string; value: string }>;
}

const TERMINAL = ['committed', 'compensated', 'failed'];

async function markNodes(page: Page): Promise<void> {
  await page.evaluate(() => {
    const q = (s: string) => document.querySelector(`[data-testid="${s}"]`);
    (window as unknown as Record<string, unknown>).__live = { header: q('saga-header'), timeline: q('timeline'), live: q('saga-live') };
  });
}

async function sameNodes(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const m = (window as unknown as { __live?: Record<string, Element | null> }).__live;
    const q = (s: string) => document.querySelector(`[data-testid="${s}"]`);
    return !!m && m.header !== null && m.header === q('saga-header') && m.timeline === q('timeline') && m.live === q('saga-live');
  });
}

test('a running demo saga updates in place on its page until it ends', async ({ page }) => {
  test.setTimeout(240_000);
  const tried = new Set<string>();
  let ended: { id: string; from: string; to: string } | null = null;
  // A candidate may end before its page is open, or go stuck (a demo fault) instead of ending: then the next one.
  for (let attempt = 0; attempt < 8 && !ended; attempt++) {
    let candidate: string | undefined;
    await expect
      .poll(
        async () => {
          const list = (await (await page.request.get('/api/sagas?status=running&limit=20')).json()) as SagaListJson;
          // The list's status is the spans' alone; the page also hears DTM, which may have finished
          // the saga already (a DTM-run saga lists as running until its quiet grace). Ask the status
          // the page shows (GET /api/sagas/{id}, DTM's word included) and open only a saga still running.
          for (const s of list.items) {
            if (tried.has(s.id)) continue;
            tried.add(s.id);
            const d = (await (await page.request.get(`/api/sagas/${encodeURIComponent(s.id)}`)).json()) as SagaDetailJson;
            if (d.saga.status === 'running' || d.saga.status === 'compensating') {
              candidate = s.id;
              return true;
            }
          }
          return false;
        },
        { timeout: 60_000, intervals: [500, 1_000] },
      )
      .toBe(true);
    const id = candidate!;
    await page.goto(`/sagas/${encodeURIComponent(id)}`);
    const badge = page.getByTestId('saga-header').getByTestId('status-badge');
    const from = (await badge.getAttribute('data-status')) ?? '';
    if (TERMINAL.includes(from) || from === 'stuck') continue;
    await expect(page.getByTestId('saga-live')).toHaveAttribute('data-mode', 'live');
    await markNodes(page);
    // Up to the stuck threshold and a margin: it either ends or goes stuck meanwhile.
    await expect
      .poll(async () => badge.getAttribute('data-status'), { timeout: 45_000, intervals: [250] })
      .not.toMatch(/^(running|compensating)$/);
    const to = (await badge.getAttribute('data-status')) ?? '';
    expect(await sameNodes(page), `saga ${id}: updated in place, not reloaded`).toBe(true);
    if (TERMINAL.includes(to)) {
      await expect(page.getByTestId('saga-live')).toHaveAttribute('data-mode', 'ended');
      ended = { id, from, to };
    }
  }
  expect(ended, `a running demo saga seen to end on its page (tried ${[...tried].join(', ')})`).not.toBeNull();
  test.info().annotations.push({ type: 'saga', description: `${ended!.id}: ${ended!.from} → ${ended!.to} in place` });
});

test('search an order id seen on a demo checkout → the sagas that carry it', async ({ page }) => {
  // A committed checkout, opened from the list.
  let checkout: string | undefined;
  await expect
    .poll(
      async () => {
        const list = (await (await page.request.get('/api/sagas?name=checkout&status=committed&limit=20')).json()) as SagaListJson;
        checkout = list.items.find((s) => s.name === 'checkout')?.id;
        return checkout !== undefined;
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBe(true);
  await page.goto(`/sagas/${encodeURIComponent(checkout!)}`);
  // The order id as the page shows it: a business key (saga.key.order_id, order.id).
  const orderKey = page.getByTestId('saga-key').filter({ hasText: /order/ }).first();
  await expect(orderKey).toBeVisible();
  const orderId = ((await orderKey.locator('.mono').textContent()) ?? '').trim();
  expect(orderId.length).toBeGreaterThan(0);

  await page.goto('/sagas');
  await page.getByTestId('saga-search').fill(orderId);
  await page.getByTestId('saga-search').press('Enter');
  await expect(page).toHaveURL(new RegExp(`[?&]q=${encodeURIComponent(orderId)}`));
  const rows = page.getByTestId('saga-row');
  await expect(rows.filter({ hasText: checkout! })).toHaveCount(1);
  const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent ?? ''));
  // Every other row is a refund of this order: the same order id among its keys.
  const others: string[] = [];
  for (const text of shown.filter((t) => !t.includes(checkout!))) {
    const detail = (await (await page.request.get(`/api/sagas?q=${encodeURIComponent(orderId)}&limit=50`)).json()) as SagaListJson;
    const match = detail.items.find((s) => s.id !== checkout && text.includes(s.id));
    expect(match, `row "${text.slice(0, 120)}" is a saga the API finds for ${orderId}`).toBeDefined();
    const d = (await (await page.request.get(`/api/sagas/${encodeURIComponent(match!.id)}`)).json()) as SagaDetailJson;
    expect(d.saga.name).toBe('refund');
    expect(d.keys.some((k) => k.value === orderId && /order/.test(k.name))).toBe(true);
    others.push(match!.id);
  }
  expect(shown).toHaveLength(1 + others.length);
  expect(others.length, 'at most the checkout and its refund').toBeLessThanOrEqual(1);
  test.info().annotations.push({ type: 'order', description: `${orderId}: checkout ${checkout}${others.length ? ` and refund ${others[0]}` : ' alone'}` });
});
