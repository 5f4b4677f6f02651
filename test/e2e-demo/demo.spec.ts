/**
 * `npm start -- --demo` (on PostgreSQL the demo must be asked for): the demo
 * fleet runs with injected faults and short thresholds (stuck after 30 s, failed grace 10 s). Within a bounded time the
 * list shows every status and every anomaly kind. An operator then repairs the
 * demo's compensation_skipped saga (a failed checkout whose reserve-inventory
 * step was never undone) with the anomaly's "Fix…": the inventory service's own
 * table shows the reservation released, and the repair raises no anomaly. A
 * batch acts on the sagas its preview listed, not on newer ones that arrived
 * before the confirm. A viewer can do none of it.
 */
import { test, expect, type Page } from '@playwright/test';
import pg from 'pg';
import { DEMO_ADMIN_STATE, e2eDemoDatabaseUrl, e2eDemoPorts } from '../../playwright.demo.config';
import { ANOMALY_KINDS } from '../../lib/saga/types';
import { createUsers, signedIn } from '../support/users';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';

const run = Date.now().toString(36);
const operator = { name: `e2e-demo-operator-${run}`, password: 'operator-password-1' };
const viewer = { name: `e2e-demo-viewer-${run}`, password: 'viewer-password-12' };
const baseURL = `http://127.0.0.1:${e2eDemoPorts.ui}`;
const STATUSES = ['committed', 'compensated', 'failed', 'stuck'] as const;

/** The compensation_skipped saga the operator repairs (test 2), which the viewer then looks at (test 3). */
let target: string | null = null;

test.describe.configure({ mode: 'serial' });

interface SagaListJson {
  items: Array<{ id: string; name: string | null; status: string; anomalies: string[] }>;
}
interface SagaDetailJson {
  saga: { status: string };
  anomalies: Array<{ kind: string; step: string | null }>;
}

/** The inventory side of one checkout, read from the demo services' own tables (demo/services/*.ts). */
interface InventoryState {
  order: { sku: string; qty: number };
  reservation: { sku: string; qty: number; status: string };
  stock: { available: number; reserved: number; ledger: number };
}

async function inventoryOf(sagaId: string): Promise<InventoryState> {
  const db = new pg.Client({ connectionString: e2eDemoDatabaseUrl });
  await db.connect();
  try {
    // The order's id is the checkout's gid (demo/services/order.ts).
    const order = await db.query<{ sku: string; qty: number }>('SELECT sku, qty FROM demo_order.orders WHERE id = $1', [sagaId]);
    expect(order.rows, `order ${sagaId}`).toHaveLength(1);
    // reserve-inventory is the checkout's step 2: DTM branch 02 (demo/orchestrator/flows.ts).
    const res = await db.query<{ sku: string; qty: number; status: string }>(
      `SELECT sku, qty, status FROM demo_inventory.reservations WHERE gid = $1 AND branch_id = '02'`,
      [sagaId],
    );
    expect(res.rows, `reservation of ${sagaId}`).toHaveLength(1);
    // One statement, one snapshot. `ledger` is what stock.reserved must be given the rows:
    // reservations still held minus items put back by refunds (reserve/release/restock/revert
    // each change stock and their row in one transaction).
    const stock = await db.query<{ available: number; reserved: number; ledger: number }>(
      `SELECT s.available, s.reserved,
              (SELECT COALESCE(SUM(qty), 0) FROM demo_inventory.reservations r WHERE r.sku = s.sku AND r.status = 'reserved')::int
            - (SELECT COALESCE(SUM(qty), 0) FROM demo_inventory.restocks t WHERE t.sku = s.sku AND t.status = 'restocked')::int AS ledger
         FROM demo_inventory.stock s WHERE s.sku = $1`,
      [res.rows[0].sku],
    );
    expect(stock.rows).toHaveLength(1);
    return { order: order.rows[0], reservation: res.rows[0], stock: stock.rows[0] };
  } finally {
    await db.end();
  }
}

/** Reloads the saga page until its header shows `status` (the page is server-rendered per request). */
async function headerStatusBecomes(page: Page, status: string, timeout: number): Promise<void> {
  const badge = page.getByTestId('saga-header').getByTestId('status-badge');
  await expect
    .poll(
      async () => {
        await page.reload();
        return (await badge.textContent())?.trim();
      },
      { timeout, intervals: [1_000, 2_000] },
    )
    .toBe(status);
}

test.beforeAll(async ({ browser }) => {
  await createUsers(browser, baseURL, DEMO_ADMIN_STATE, [
    [operator, 'operator'],
    [viewer, 'viewer'],
  ]);
});

test('a first start shows every status and every anomaly kind within 90 s', async ({ page }) => {
  test.setTimeout(180_000);
  const seenStatus = new Set<string>();
  const seenAnomaly = new Set<string>();
  // coordinator_divergence comes from DTM's own store, read for the saga page and API only: the list's
  // summaries are written from the spans, so no list filter can show it (README "DTM").
  const LISTED_KINDS = ANOMALY_KINDS.filter((k) => k !== 'coordinator_divergence');
  const missing = () => [...STATUSES.filter((s) => !seenStatus.has(s)), ...LISTED_KINDS.filter((k) => !seenAnomaly.has(k))];
  await expect
    .poll(
      async () => {
        for (const s of STATUSES.filter((x) => !seenStatus.has(x))) {
          // The list page filtered by status, as its links and filter form make it.
          await page.goto(`/sagas?status=${s}`);
          await expect(page.getByTestId('saga-table').or(page.getByTestId('empty-state'))).toBeVisible();
          const rows = page.getByTestId('saga-row');
          const n = await rows.count();
          if (n > 0) {
            // Every rendered row's badge says that status.
            await expect(rows.getByTestId('status-badge').and(page.locator(`[data-status="${s}"]`))).toHaveCount(n);
            seenStatus.add(s);
          }
        }
        for (const k of LISTED_KINDS.filter((x) => !seenAnomaly.has(x))) {
          const res = await page.request.get(`/api/sagas?anomaly=${k}&limit=5`);
          expect(res.status()).toBe(200);
          const list = (await res.json()) as SagaListJson;
          if (list.items.length > 0) {
            expect(list.items.every((i) => i.anomalies.includes(k))).toBe(true);
            seenAnomaly.add(k);
          }
        }
        return missing();
      },
      { timeout: 90_000, intervals: [3_000], message: 'statuses and anomaly kinds not shown yet' },
    )
    .toEqual([]);

  // One anomaly kind through the UI too: its filter shows rows carrying that chip.
  await page.goto('/sagas?anomaly=missing_compensation');
  await expect(page.getByTestId('saga-row').first()).toBeVisible();
  const chips = page.locator('[data-testid="saga-row"] [data-testid="anomaly-chip"][data-kind="missing_compensation"]');
  await expect(chips).toHaveCount(await page.getByTestId('saga-row').count());

  await page.goto('/sagas');
  await expect(page.getByTestId('saga-row').first()).toBeVisible();
  await page.screenshot({ path: 'docs/screenshot-demo-list.png' });
});

test('operator: "Fix…" on the compensation_skipped checkout\'s missing compensation releases the stock in the inventory service; the repair raises no anomaly', async ({ browser }) => {
  test.setTimeout(120_000);
  const page = await signedIn(browser, baseURL, operator, '/sagas?status=failed&anomaly=missing_compensation');
  try {
    // The demo's compensation_skipped scenario (demo/orchestrator/plan.ts): a failed checkout whose only
    // missing compensation is reserve-inventory. (compensation_fails leaves charge-payment instead.)
    await expect
      .poll(
        async () => {
          const res = await page.request.get('/api/sagas?status=failed&anomaly=missing_compensation&limit=100');
          expect(res.status()).toBe(200);
          for (const s of ((await res.json()) as SagaListJson).items.filter((i) => i.name === 'checkout')) {
            const d = (await (await page.request.get(`/api/sagas/${encodeURIComponent(s.id)}`)).json()) as SagaDetailJson;
            const missingSteps = d.anomalies.filter((a) => a.kind === 'missing_compensation').map((a) => a.step);
            if (d.saga.status === 'failed' && missingSteps.length === 1 && missingSteps[0] === 'reserve-inventory') {
              target = s.id;
              return true;
            }
          }
          return false;
        },
        { timeout: 60_000, intervals: [2_000], message: 'a failed checkout missing the reserve-inventory compensation' },
      )
      .toBe(true);
    const sagaId = target!;

    // The inventory service's own tables: the order's units are still reserved.
    const before = await inventoryOf(sagaId);
    expect(before.reservation).toEqual({ sku: before.order.sku, qty: before.order.qty, status: 'reserved' });
    expect(before.stock.reserved).toBe(before.stock.ledger);

    // The list row links to the saga.
    await page.goto(`/sagas?status=failed&anomaly=missing_compensation&q=${sagaId}`);
    const link = page.getByTestId('saga-row').getByRole('link', { name: sagaId });
    await expect(link).toHaveAttribute('href', `/sagas/${sagaId}`);
    // Opened by its address: on the live demo list a click on the row did not open the page within
    // the wait on this machine (session 9 notes: under investigation), which is not what this test is about.
    await page.goto(`/sagas/${sagaId}`);
    await expect(page).toHaveURL(new RegExp(`/sagas/${sagaId}$`));
    await expect(page.getByTestId('saga-header').getByTestId('status-badge')).toHaveText('failed');

    // Guided repair: the anomaly names its fix; "Fix…" opens the preview of exactly that step's compensation.
    const anomaly = page.locator('[data-testid="anomaly"][data-kind="missing_compensation"]');
    await expect(anomaly.getByTestId('anomaly-repair')).toContainText('Run the compensate of step "reserve-inventory"');
    // The step selector already points at the step the anomaly names.
    await expect(page.getByTestId('action-step')).toHaveValue('reserve-inventory');
    await anomaly.getByTestId('anomaly-fix').click();
    const dialog = page.getByTestId('action-dialog');
    await expect(dialog.getByRole('heading', { name: 'Compensate step reserve-inventory' })).toBeVisible();
    // The preview: only the forgotten step, at the inventory service's compensate URL.
    const urls = dialog.getByTestId('plan-url');
    await expect(urls).toHaveCount(1);
    await expect(urls.first()).toHaveText(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/inventory/release\\?gid=${sagaId}&trans_type=saga&branch_id=02&op=compensate$`),
    );
    await expect(dialog.getByTestId('plan-key')).toHaveText(/^sgs-[\w-]{32}$/);
    const confirm = dialog.getByRole('button', { name: /^Confirm and call 1 URL$/ });
    await expect(confirm).toBeDisabled();
    // Nothing called yet.
    expect((await inventoryOf(sagaId)).reservation.status).toBe('reserved');
    await dialog.getByLabel(/Reason/).fill(`E2E-demo-${run}: reservation left by the skipped compensation`);
    await expect(confirm).toBeEnabled();
    await confirm.click();

    await expect(dialog.getByTestId('action-outcome')).toHaveAttribute('data-ok', 'true');
    await expect(dialog.locator('[data-testid="action-result"][data-outcome="ok"]')).toHaveCount(1);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);

    // The manual compensation's span reaches the collector; the saga becomes compensated.
    await headerStatusBecomes(page, 'compensated', 30_000);
    await expect(page.locator('[data-testid="timeline-row"][data-manual="true"]')).toHaveCount(1);
    await expect(page.getByTestId('manual-badge')).toHaveCount(1);
    // A repair is not a fault: the manual compensation ran after the orchestrator's own, and raises nothing.
    await expect(page.getByTestId('no-anomalies')).toBeVisible();
    await expect(page.getByTestId('anomaly')).toHaveCount(0);
    const trail = page.getByTestId('audit-trail');
    await expect(trail.locator('[data-testid="audit-trail-row"][data-outcome="intent"]').first()).toContainText(`E2E-demo-${run}`);
    await expect(trail.locator('[data-testid="audit-trail-row"][data-outcome="ok"]')).toHaveCount(1);
    await expect(trail).toContainText(operator.name);

    // The inventory service released the reservation and gave its units back to the stock.
    const after = await inventoryOf(sagaId);
    expect(after.reservation).toEqual({ ...before.reservation, status: 'released' });
    expect(after.stock.reserved).toBe(after.stock.ledger);
  } finally {
    await page.context().close();
  }
});

test('operator: a batch confirmed after new failed sagas arrived acts on the previewed sagas only', async ({ browser }) => {
  const filter = 'status=failed&anomaly=missing_compensation';
  const page = await signedIn(browser, baseURL, operator, `/sagas?${filter}`);
  try {
    const dialog = page.getByTestId('batch-dialog');
    let planned: string[] = [];
    // Preview the newest two until at least one can be acted on (the demo keeps producing them).
    await expect
      .poll(
        async () => {
          if (await dialog.count()) await dialog.getByRole('button', { name: 'Close' }).click();
          await page.reload();
          await page.getByTestId('batch-open').click();
          await dialog.getByLabel('At most (sagas)').fill('2');
          await dialog.getByRole('button', { name: 'Preview' }).click();
          await expect(dialog.getByTestId('batch-summary')).toBeVisible();
          planned = await dialog.locator('[data-testid="batch-item"][data-outcome="planned"] a').allTextContents();
          return planned.length;
        },
        { timeout: 60_000, intervals: [2_000], message: 'a previewed batch with a saga to act on' },
      )
      .toBeGreaterThan(0);
    const previewed = await dialog.locator('[data-testid="batch-item"] a').allTextContents();

    // A newer failed saga with a missing compensation arrives before the operator confirms. Sent
    // here rather than waited for: the fleet makes one about every 50 s, so a 90 s wait for the
    // next one missed about one run in six.
    const newcomer = `e2e-demo-newcomer-${run}`;
    await sendSpans(`http://127.0.0.1:${e2eDemoPorts.http}`, failedSagaSpans({ id: newcomer, participant: 'http://127.0.0.1:9', startMs: Date.now() }));
    await expect
      .poll(async () => ((await (await page.request.get(`/api/sagas?${filter}&limit=5`)).json()) as SagaListJson).items.map((i) => i.id), {
        timeout: 30_000,
        message: 'the newcomer listed among the failed sagas with a missing compensation',
      })
      .toContain(newcomer);
    expect(previewed).not.toContain(newcomer);

    await dialog.getByLabel(/Reason/).fill(`E2E-demo-${run}: batch of the previewed sagas`);
    await dialog.getByRole('button', { name: /^Confirm and act on/ }).click();
    const outcome = dialog.getByTestId('batch-outcome');
    await expect(outcome).toBeVisible({ timeout: 60_000 });
    const acted = await outcome.locator('[data-testid="batch-item"] a').allTextContents();
    expect(acted.sort()).toEqual([...planned].sort());
    // The newcomer was not touched: no audit entry names it.
    const d = (await (await page.request.get(`/api/sagas/${encodeURIComponent(newcomer)}`)).json()) as { audit: unknown[] };
    expect(d.audit).toEqual([]);
  } finally {
    await page.context().close();
  }
});

test('viewer: no action buttons on that saga, and the API refuses the action', async ({ browser }) => {
  expect(target, 'set by the operator test').not.toBeNull();
  const page = await signedIn(browser, baseURL, viewer, `/sagas/${target}`);
  try {
    await expect(page.getByTestId('saga-header')).toBeVisible();
    await expect(page.getByTestId('saga-actions')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /Compensate/ })).toHaveCount(0);
    const csrf = (await page.context().cookies()).find((c) => c.name === 'sagascope_csrf')!.value;
    const res = await page.request.post(`/api/sagas/${target}/actions`, {
      data: { action: 'compensate', reason: 'a viewer must not be able to' },
      headers: { 'X-CSRF-Token': csrf },
    });
    expect(res.status()).toBe(403);
    expect((await res.json()).code).toBe('forbidden');
  } finally {
    await page.context().close();
  }
});
