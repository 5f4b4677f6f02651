/**
 * Manual actions in a real Chromium against `npm start`: a failed saga whose
 * steps recorded saga.compensate_url pointing at a participant this test runs
 * on 127.0.0.1 (allowlisted in playwright.config.ts). An operator previews
 * "Compensate saga", types a reason, confirms, sees both calls succeed, the
 * audit entries and the manual steps on the saga page; a batch over the list's
 * filter does the same for several sagas; a viewer sees no action buttons and
 * the API refuses the action.
 */
import { test, expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { ADMIN_STATE, e2ePorts } from '../../playwright.config';
import { signedIn as signedInAs, type TestUser } from '../support/users';
import { startTestParticipant, type TestParticipant } from '../support/participant';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';

const run = Date.now().toString(36);
const operator = { name: `e2e-act-operator-${run}`, password: 'operator-password-1' };
const viewer = { name: `e2e-act-viewer-${run}`, password: 'viewer-password-12' };
const sagaId = `e2e-act-${run}`;
const batchName = `e2e-batch-${run}`;
const collector = `http://127.0.0.1:${e2ePorts.http}`;
const baseURL = `http://127.0.0.1:${e2ePorts.ui}`;

let participant: TestParticipant;

async function csrfOf(request: APIRequestContext): Promise<string> {
  const state = await request.storageState();
  return state.cookies.find((c) => c.name === 'sagascope_csrf')!.value;
}

test.beforeAll(async ({ browser }) => {
  participant = await startTestParticipant();
  await sendSpans(collector, failedSagaSpans({ id: sagaId, participant: participant.url }));
  for (const n of [1, 2]) await sendSpans(collector, failedSagaSpans({ id: `${batchName}-${n}`, name: batchName, participant: participant.url }));
  // The admin (global setup's signed-in state) creates the two users.
  const admin = await browser.newContext({ baseURL, storageState: ADMIN_STATE });
  try {
    const csrf = await csrfOf(admin.request);
    for (const [u, role] of [
      [operator, 'operator'],
      [viewer, 'viewer'],
    ] as const) {
      const res = await admin.request.post('/api/admin/users', { data: { name: u.name, role, password: u.password }, headers: { 'X-CSRF-Token': csrf } });
      expect(res.status(), await res.text()).toBe(201);
    }
  } finally {
    await admin.close();
  }
});

test.afterAll(async () => {
  await participant?.close();
});

// Each test signs in as its own user.
test.use({ storageState: { cookies: [], origins: [] } });

const signedIn = (browser: Browser, who: TestUser, path: string): Promise<Page> => signedInAs(browser, baseURL, who, path);

test('operator: preview, reason, confirm "Compensate saga"; calls succeed; audit entries and manual steps show', async ({ browser }) => {
  participant.received.length = 0;
  const page = await signedIn(browser, operator, `/sagas/${sagaId}`);
  await expect(page.getByTestId('saga-header')).toContainText('failed');
  const actions = page.getByTestId('saga-actions');
  await expect(actions).toBeVisible();

  await actions.getByRole('button', { name: 'Compensate saga' }).click();
  const dialog = page.getByTestId('action-dialog');
  await expect(dialog.getByRole('heading', { name: 'Compensate saga' })).toBeVisible();
  // The preview: current evidence, the URLs in order, their idempotency keys. Nothing called yet.
  await expect(dialog.getByTestId('action-evidence')).toContainText('failed');
  await expect(dialog.getByTestId('action-evidence')).toContainText('charge-payment');
  await expect(dialog.getByTestId('action-evidence')).toContainText('missing compensation');
  const urls = dialog.getByTestId('plan-url');
  await expect(urls).toHaveCount(2);
  await expect(urls.nth(0)).toHaveText(`${participant.url}/inventory/release?gid=${sagaId}&trans_type=saga&branch_id=02&op=compensate`);
  await expect(urls.nth(1)).toHaveText(`${participant.url}/order/cancel?gid=${sagaId}&trans_type=saga&branch_id=01&op=compensate`);
  const keys = await dialog.getByTestId('plan-key').allTextContents();
  expect(keys.every((k) => /^sgs-[\w-]{32}$/.test(k))).toBe(true);
  expect(participant.received).toHaveLength(0);

  // A reason is required before anything can be called.
  const confirm = dialog.getByRole('button', { name: /^Confirm and call 2 URLs$/ });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Reason/).fill(`E2E-${run}: payment declined, stock still reserved`);
  await expect(confirm).toBeEnabled();
  await page.screenshot({ path: 'docs/screenshot-action-preview.png' });
  await confirm.click();

  const outcome = dialog.getByTestId('action-outcome');
  await expect(outcome).toHaveAttribute('data-ok', 'true');
  await expect(dialog.getByTestId('action-result')).toHaveCount(2);
  await expect(dialog.locator('[data-testid="action-result"][data-outcome="ok"]')).toHaveCount(2);
  expect(participant.received.map((r) => r.path)).toEqual(['/inventory/release', '/order/cancel']);
  expect(participant.received.map((r) => r.headers['idempotency-key'])).toEqual(keys);
  expect(participant.received.every((r) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(String(r.headers.traceparent)))).toBe(true);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  // The page refreshed: the audit entries (with the reason) and the two manual steps, saga compensated.
  const trail = page.getByTestId('audit-trail');
  await expect(trail.getByTestId('audit-trail-row')).toHaveCount(4);
  await expect(trail.locator('[data-outcome="intent"]').first()).toContainText(`E2E-${run}`);
  await expect(trail.locator('[data-outcome="ok"]')).toHaveCount(2);
  await expect(trail).toContainText(operator.name);
  await expect(page.getByTestId('manual-badge')).toHaveCount(2);
  await expect(page.locator('[data-testid="timeline-row"][data-manual="true"]')).toHaveCount(2);
  await expect(page.getByTestId('timeline-legend')).toContainText('run by an operator');
  await expect(page.getByTestId('saga-header').getByTestId('status-badge')).toHaveText('compensated');
  await page.screenshot({ path: 'docs/screenshot-action-done.png', fullPage: true });

  // Nothing left: "Compensate saga" is no longer offered, and says why; a step's preview is refused with no confirmation.
  await expect(page.getByTestId('saga-actions').getByRole('button', { name: 'Compensate saga' })).toBeDisabled();
  await expect(page.getByTestId('compensate-saga-note')).toContainText('Refused: the saga is already compensated');
  await page.getByTestId('saga-actions').getByRole('button', { name: 'Compensate step' }).click();
  await expect(page.getByTestId('action-refusal')).toContainText('Refused: the saga is already compensated');
  await expect(page.getByRole('button', { name: /^Confirm/ })).toHaveCount(0);
  await page.context().close();
});

test('operator: batch compensation over the list filter, with a per-saga result list', async ({ browser }) => {
  participant.received.length = 0;
  const page = await signedIn(browser, operator, `/sagas?name=${batchName}&status=failed`);
  await expect(page.getByTestId('saga-row')).toHaveCount(2);
  await page.getByTestId('batch-open').click();
  const dialog = page.getByTestId('batch-dialog');
  await expect(dialog).toContainText(`status is failed`);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await expect(dialog.getByTestId('batch-summary')).toContainText('2 sagas selected: 2 can be acted on, 0 refused. Confirming acts on these 2 sagas only');
  await expect(dialog.locator('[data-testid="batch-item"][data-outcome="planned"]')).toHaveCount(2);
  expect(participant.received).toHaveLength(0);
  await dialog.getByLabel(/Reason/).fill(`E2E-${run}: bulk cleanup`);
  await dialog.getByRole('button', { name: 'Confirm and act on 2 sagas' }).click();
  await expect(dialog.getByTestId('batch-outcome')).toContainText('2 succeeded, 0 failed, 0 refused');
  await expect(dialog.locator('[data-testid="batch-item"][data-outcome="ok"]')).toHaveCount(2);
  expect(participant.received).toHaveLength(4);
  await dialog.getByRole('button', { name: 'Close' }).click();
  // The list refreshed: no failed saga of that name is left.
  await expect(page.getByTestId('saga-row')).toHaveCount(0);
  await page.context().close();
});

test('viewer: no action buttons, and the API refuses the action', async ({ browser }) => {
  const page = await signedIn(browser, viewer, `/sagas/${sagaId}`);
  await expect(page.getByTestId('saga-header')).toBeVisible();
  await expect(page.getByTestId('saga-actions')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Compensate saga' })).toHaveCount(0);
  await page.goto('/sagas');
  await expect(page.getByTestId('batch-open')).toHaveCount(0);
  const csrf = (await page.context().cookies()).find((c) => c.name === 'sagascope_csrf')!.value;
  const res = await page.request.post(`/api/sagas/${sagaId}/actions`, {
    data: { action: 'compensate', reason: 'I should not be able to' },
    headers: { 'X-CSRF-Token': csrf },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).code).toBe('forbidden');
  const batch = await page.request.post('/api/sagas/actions', { data: { action: 'compensate', dryRun: true }, headers: { 'X-CSRF-Token': csrf } });
  expect(batch.status()).toBe(403);
  await page.context().close();
});
