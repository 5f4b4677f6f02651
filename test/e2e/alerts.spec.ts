/**
 * Alerts in a real Chromium against `npm start`: the admin opens Alerts from
 * /admin, creates a status rule in the form (its webhook is a receiver this
 * test runs on 127.0.0.1, allowlisted in playwright.config.ts), copies the
 * secret shown once; a failed saga is sent to the collector; the receiver gets
 * one signed webhook and the delivery log shows it delivered with a link to
 * the saga.
 */
import { test, expect } from '@playwright/test';
import { e2ePorts } from '../../playwright.config';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { verifySignature } from '../../lib/alerts/signing';

const run = Date.now().toString(36);
const sagaName = `e2e-alert-${run}`;
const sagaId = `e2e-alert-saga-${run}`;
const collector = `http://127.0.0.1:${e2ePorts.http}`;

let receiver: WebhookReceiver;

test.beforeAll(async () => {
  receiver = await startWebhookReceiver();
});

test.afterAll(async () => {
  await receiver?.close();
});

test('the admin creates a rule and sees its delivery in the log', async ({ page }) => {
  await page.goto('/admin');
  await page.getByRole('link', { name: 'Alerts' }).click();
  await expect(page).toHaveURL(/\/admin\/alerts$/);
  await expect(page.getByRole('heading', { name: 'Alerts', level: 1 })).toBeVisible();

  const form = page.getByTestId('create-alert-rule');
  await form.getByLabel('Name', { exact: true }).fill(`failed ${run}`);
  await form.getByLabel('Saga name (empty: all)').fill(sagaName);
  // A host that is not allowlisted is refused with the server's message.
  await form.getByLabel('Webhook URL').fill('http://example.com/hook');
  await form.getByRole('button', { name: 'Create rule' }).click();
  await expect(form.getByRole('alert')).toContainText('is not on the alert webhook');

  await form.getByLabel('Webhook URL').fill(receiver.url('/ok'));
  await expect(form.getByRole('checkbox', { name: 'failed', exact: true })).toBeChecked();
  await form.getByRole('checkbox', { name: 'stuck', exact: true }).check();
  await form.getByRole('button', { name: 'Create rule' }).click();
  const secret = (await page.getByTestId('new-alert-secret-value').textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  const row = page.getByTestId('alert-rule-row').filter({ hasText: `failed ${run}` });
  await expect(row).toContainText('status is failed or stuck');
  await expect(row).toContainText('127.0.0.1:');
  await expect(row.getByRole('button', { name: `Enabled: failed ${run}` })).toHaveAttribute('aria-pressed', 'true');

  await sendSpans(collector, failedSagaSpans({ id: sagaId, name: sagaName, participant: 'http://participant.invalid' }));
  await expect.poll(() => receiver.received.filter((r) => (r.body.saga as { id?: string } | undefined)?.id === sagaId).length, { timeout: 15_000 }).toBe(1);
  const hit = receiver.received.find((r) => (r.body.saga as { id?: string } | undefined)?.id === sagaId)!;
  expect(verifySignature(secret, hit.headers['x-sagascope-signature'] as string, hit.rawBody).ok).toBe(true);
  expect(hit.body.event).toBe('saga.failed');

  await expect(async () => {
    await page.reload();
    const delivery = page.getByTestId('alert-delivery-row').filter({ hasText: sagaId });
    await expect(delivery).toContainText('delivered', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  const delivery = page.getByTestId('alert-delivery-row').filter({ hasText: sagaId });
  await expect(delivery).toContainText('HTTP 200');
  await expect(delivery).toContainText(`failed ${run}`);
  await page.screenshot({ path: 'docs/screenshot-alerts.png', fullPage: true });
  await delivery.getByRole('link', { name: sagaId }).click();
  await expect(page).toHaveURL(new RegExp(`/sagas/${sagaId}$`));
});
