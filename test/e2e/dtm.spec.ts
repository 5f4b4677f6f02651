/**
 * A saga DTM runs, in a real Chromium against `npm start` (issue #16, "Done
 * means": Playwright). DTM is the test double of demo/dtm (DTM's HTTP API and
 * tables), started beside the server by playwright.config.ts and named in its
 * SAGASCOPE_DTM_SERVERS; the participant (test/support/dtm-participant.ts) is a
 * zero-code service whose stock HTTP server spans reach the collector through
 * the OpenTelemetry SDK's OTLP exporter. Nothing here emits a saga.* attribute:
 * the saga is what DTM's calls look like.
 *
 * 1. A saga DTM finished whose branch 02 span never arrived: the panel shows
 *    DTM's status and branch states, and the divergence once it has settled.
 * 2. A saga whose compensation fails transiently: DTM is still rolling back
 *    (aborting), the panel shows the next retry, the interval DTM waits and
 *    each branch op's state with the calls seen; an operator presses "Retry
 *    now" (preview, reason, confirm), DTM calls the branch again at once — a
 *    second failure, which resets DTM's doubled interval — and again, and the
 *    saga converges to compensated.
 * The saga page does not refresh itself: after an action the dialog refreshes
 * it once (DTM's cron may not have called the branch yet), so these tests
 * reload until the page shows DTM's new state.
 */
import { test, expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { ADMIN_STATE, e2ePorts } from '../../playwright.config';
import { signedIn as signedInAs, type TestUser } from '../support/users';
import { startDtmParticipant, type DtmParticipant } from '../support/dtm-participant';

const run = Date.now().toString(36);
const operator = { name: `e2e-dtm-operator-${run}`, password: 'operator-password-1' };
const baseURL = `http://127.0.0.1:${e2ePorts.ui}`;
const dtmUrl = `http://127.0.0.1:${e2ePorts.dtm}`;

let busi: DtmParticipant;

async function csrfOf(request: APIRequestContext): Promise<string> {
  const state = await request.storageState();
  return state.cookies.find((c) => c.name === 'sagascope_csrf')!.value;
}

/** POST /api/dtmsvr/submit as a DTM client (dtmcli) sends it. */
async function submitSaga(request: APIRequestContext, gid: string, prefix: string, opts: Record<string, unknown> = {}): Promise<void> {
  const u = (p: string) => `${busi.url}/${prefix}/${p}`;
  const res = await request.post(`${dtmUrl}/api/dtmsvr/submit`, {
    data: {
      gid,
      trans_type: 'saga',
      steps: [
        { action: u('TransOut'), compensate: u('TransOutRevert') },
        { action: u('TransIn'), compensate: u('TransInRevert') },
      ],
      payloads: ['{"amount":30}', '{"amount":30}'],
      ...opts,
    },
  });
  expect(res.status(), await res.text()).toBe(200);
}

/** DTM's own record of the transaction (GET /api/dtmsvr/query). */
async function dtmQuery(request: APIRequestContext, gid: string): Promise<{ transaction: { status: string; next_cron_interval?: number } | null }> {
  const res = await request.get(`${dtmUrl}/api/dtmsvr/query?gid=${encodeURIComponent(gid)}`);
  expect(res.status()).toBe(200);
  return res.json();
}

/** Reloads until `check` passes: the saga page shows the state when it was rendered. */
async function reloadUntil(page: Page, check: () => Promise<void>, timeout: number): Promise<void> {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout, intervals: [500, 1_000, 2_000] });
}

const branchRow = (page: Page, branchId: string, op: string) => page.locator(`[data-testid="dtm-branch"][data-branch="${branchId}"][data-op="${op}"]`);

test.beforeAll(async ({ browser }) => {
  busi = await startDtmParticipant({ collectorHttpUrl: `http://127.0.0.1:${e2ePorts.http}` });
  const admin = await browser.newContext({ baseURL, storageState: ADMIN_STATE });
  try {
    const res = await admin.request.post('/api/admin/users', {
      data: { name: operator.name, role: 'operator', password: operator.password },
      headers: { 'X-CSRF-Token': await csrfOf(admin.request) },
    });
    expect(res.status(), await res.text()).toBe(201);
  } finally {
    await admin.close();
  }
});

test.afterAll(async () => {
  await busi?.close();
});

const signedIn = (browser: Browser, who: TestUser, path: string): Promise<Page> => signedInAs(browser, baseURL, who, path);

test('a branch whose span was dropped: DTM says succeeded, no span shows it → coordinator_divergence on the saga page', async ({ page, request }) => {
  // Outcomes younger than 15 s are not judged (lib/saga/coordinator.ts SETTLE_MS): the divergence appears after that.
  test.setTimeout(120_000);
  const gid = `e2e-dtm-div-${run}`;
  busi.dropSpansOf = (c) => c.query.get('gid') === gid && c.query.get('branch_id') === '02';
  await submitSaga(request, gid, 'div');
  await expect.poll(async () => (await dtmQuery(request, gid)).transaction?.status, { timeout: 20_000 }).toBe('succeed');

  await page.goto(`/sagas/${gid}`);
  const panel = page.getByTestId('coordinator');
  await expect(panel.getByRole('heading', { name: 'Coordinator (DTM)' })).toBeVisible();
  await expect(panel.getByTestId('dtm-server')).toHaveText(dtmUrl);
  await expect(panel.locator('dl [data-testid="dtm-status"]')).toHaveText('succeed');
  await expect(panel.getByTestId('dtm-branch')).toHaveCount(4);
  for (const b of ['01', '02']) await expect(branchRow(page, b, 'action')).toHaveAttribute('data-status', 'succeed');
  await expect(branchRow(page, '01', 'compensate')).toHaveAttribute('data-status', 'prepared');
  // Calls seen as spans: branch 01's action arrived, branch 02's was dropped.
  await expect(branchRow(page, '01', 'action').getByTestId('dtm-calls-seen')).toHaveAttribute('data-calls', '1');
  await expect(branchRow(page, '02', 'action').getByTestId('dtm-calls-seen')).toHaveAttribute('data-calls', '0');
  // A finished transaction has no next retry.
  await expect(panel.getByTestId('dtm-next-retry')).toHaveCount(0);

  await reloadUntil(
    page,
    async () => {
      await expect(page.getByTestId('dtm-divergence')).toHaveCount(1, { timeout: 2_000 });
    },
    60_000,
  );
  await expect(page.getByTestId('dtm-divergence')).toContainText('DTM marked the action of branch 02');
  await expect(page.getByTestId('dtm-divergence')).toContainText('no span of that call arrived');
  await expect(page.locator('[data-testid="anomaly"][data-kind="coordinator_divergence"]')).toHaveCount(1);
  // DTM's word: committed at once, without the quiet period zero-code sagas wait for.
  await expect(page.getByTestId('saga-header').getByTestId('status-badge')).toHaveText('committed');
  busi.dropSpansOf = () => false;
});

test('a compensation failing while DTM retries: next retry and branch states; the operator presses "Retry now" and the saga converges', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const gid = `e2e-dtm-conv-${run}`;
  // TransIn answers 409 (DTM's FAILURE): DTM rolls back. TransOutRevert fails twice (500: DTM retries), then succeeds.
  busi.script('/conv/TransIn', [409]);
  busi.script('/conv/TransOutRevert', [500, 500]);
  // The transaction's own retry_interval (a DTM option): 60 s, so after the first failed call DTM waits 120 s —
  // every further call within this test is the operator's.
  await submitSaga(request, gid, 'conv', { retry_interval: 60 });
  await expect.poll(() => busi.callsTo('/conv/TransOutRevert', gid).length, { timeout: 20_000 }).toBe(1);
  await expect.poll(async () => (await dtmQuery(request, gid)).transaction?.next_cron_interval, { timeout: 10_000 }).toBe(120);

  const page = await signedIn(browser, operator, `/sagas/${gid}`);
  const header = page.getByTestId('saga-header').getByTestId('status-badge');
  const panel = page.getByTestId('coordinator');
  const comp01 = branchRow(page, '01', 'compensate');
  // DTM is still rolling back: compensating (never failed while DTM retries), with DTM's next retry and branch states.
  await reloadUntil(
    page,
    async () => {
      await expect(header).toHaveText('compensating', { timeout: 2_000 });
      await expect(comp01.getByTestId('dtm-calls-seen')).toHaveAttribute('data-failed', '1', { timeout: 2_000 });
    },
    30_000,
  );
  await expect(panel.locator('dl [data-testid="dtm-status"]')).toHaveText('aborting');
  await expect(panel.getByTestId('dtm-next-retry')).toContainText(/· in \d+ (s|min)/);
  await expect(panel.getByTestId('dtm-interval')).toContainText('DTM waits 120 s between calls now');
  await expect(panel.getByTestId('dtm-interval')).toContainText('it does not count its calls');
  await expect(panel.getByTestId('dtm-rollback-reason')).toContainText('/conv/TransIn');
  await expect(branchRow(page, '01', 'action')).toHaveAttribute('data-status', 'succeed');
  await expect(branchRow(page, '02', 'action')).toHaveAttribute('data-status', 'failed');
  await expect(branchRow(page, '02', 'compensate')).toHaveAttribute('data-status', 'succeed');
  await expect(comp01).toHaveAttribute('data-status', 'prepared');
  await expect(comp01.getByTestId('dtm-calls-seen')).toHaveAttribute('data-calls', '1');
  await expect(panel.getByTestId('dtm-divergence')).toHaveCount(0);

  /** Retry now: preview (DTM's endpoint, its status now), a reason, confirm; DTM accepts. */
  const retryNow = async (reason: string) => {
    await panel.getByTestId('dtm-retry-now').click();
    const dialog = page.getByTestId('action-dialog');
    // The preview reads DTM afresh and models the saga; the first one also loads the route (slow on a busy machine).
    await expect(dialog.getByTestId('plan-coordinator-call')).toContainText(`POST ${dtmUrl}/api/dtmsvr/resetNextCronTime`, { timeout: 30_000 });
    await expect(dialog.getByTestId('plan-coordinator-call')).toContainText('aborting');
    const confirm = dialog.getByRole('button', { name: 'Confirm and call DTM' });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Reason/).fill(reason);
    await confirm.click();
    await expect(dialog.getByTestId('action-outcome')).toHaveAttribute('data-ok', 'true', { timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
  };

  // First press: DTM calls the compensation again now, not in two minutes. It fails again (500), and DTM's
  // doubled interval goes back to the transaction's 60 s (dtmsvr/trans_status.go execBranch), not up to 240 s.
  await retryNow(`E2E-${run}: downstream restarted, try the refund again`);
  await expect.poll(() => busi.callsTo('/conv/TransOutRevert', gid).length, { timeout: 15_000 }).toBe(2);
  await reloadUntil(
    page,
    async () => {
      await expect(comp01.getByTestId('dtm-calls-seen')).toHaveAttribute('data-failed', '2', { timeout: 2_000 });
      await expect(panel.getByTestId('dtm-interval')).toContainText('DTM waits 60 s between calls now', { timeout: 2_000 });
    },
    30_000,
  );
  await expect(header).toHaveText('compensating');
  await expect(comp01).toHaveAttribute('data-status', 'prepared');

  // Second press: the call succeeds, DTM finishes the rollback, and the spans say compensated.
  await retryNow(`E2E-${run}: second try after the fix`);
  await expect.poll(() => busi.callsTo('/conv/TransOutRevert', gid).length, { timeout: 15_000 }).toBe(3);
  await reloadUntil(
    page,
    async () => {
      await expect(header).toHaveText('compensated', { timeout: 2_000 });
      await expect(panel.locator('dl [data-testid="dtm-status"]')).toHaveText('failed', { timeout: 2_000 });
    },
    30_000,
  );
  await expect(comp01).toHaveAttribute('data-status', 'succeed');
  await expect(comp01.getByTestId('dtm-calls-seen')).toHaveAttribute('data-calls', '3');
  await expect(comp01.getByTestId('dtm-calls-seen')).toHaveAttribute('data-failed', '2');
  await expect(panel.getByTestId('dtm-next-retry')).toHaveCount(0);
  await expect(panel.getByTestId('dtm-retry-now')).toBeDisabled();
  // Both presses are in the audit trail under the operator's name, with DTM's call.
  const trail = page.getByTestId('audit-trail');
  await expect(trail).toContainText('coordinator.retry_now');
  await expect(trail).toContainText(operator.name);
  await expect(trail).toContainText(`E2E-${run}: second try after the fix`);
  // Every call of the compensation came from DTM with its query parameters, replaying the stored body (POST).
  expect(busi.callsTo('/conv/TransOutRevert', gid).map((c) => [c.method, c.query.get('branch_id'), c.query.get('op')])).toEqual(Array(3).fill(['POST', '01', 'compensate']));
  await page.context().close();
});
