/**
 * Identity, audit and export in a real Chromium against `npm start`: sign in
 * as the admin through /login, create an operator and an API token, see those
 * changes in the audit trail (and the chain verify), run an export from the
 * Export page with its progress and manifest — and check the downloaded file
 * with `npm run audit:verify`. Then the operator's narrower view.
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test, expect, type Page } from '@playwright/test';
import { E2E_ADMIN } from './accounts';

const run = Date.now().toString(36);
const operator = { name: `e2e-operator-${run}`, password: 'operator-password-1' };
const tokenName = `e2e-script-${run}`;

// This file signs in itself.
test.use({ storageState: { cookies: [], origins: [] } });

async function signIn(page: Page, name: string, password: string, from = '/sagas') {
  await page.goto(from);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(new RegExp(from.replace('/', '\\/')));
  await expect(page.getByTestId('user-menu')).toContainText(name);
}

test('admin: sign in, create an operator and a token, audit trail, export with a verified manifest', async ({ page, request }) => {
  await signIn(page, E2E_ADMIN.name, E2E_ADMIN.password);
  const nav = page.getByRole('navigation', { name: 'Main' });

  // Users: create an operator.
  await nav.getByRole('link', { name: 'Admin' }).click();
  const users = page.getByTestId('users-panel');
  const createUser = users.getByTestId('create-user');
  await createUser.getByLabel('Name').fill(operator.name);
  await createUser.getByLabel('Role').selectOption('operator');
  await createUser.getByLabel('Initial password').fill(operator.password);
  await createUser.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId('users-message')).toHaveText(`Created ${operator.name} (operator).`);
  await expect(users.getByTestId('user-row').filter({ hasText: operator.name })).toBeVisible();

  // Tokens: create one (shown once), use it, revoke it.
  const tokens = page.getByTestId('tokens-panel');
  const createToken = tokens.getByTestId('create-token');
  await createToken.getByLabel('Name (what uses it)').fill(tokenName);
  await createToken.getByLabel('Role').selectOption('viewer');
  await createToken.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.getByTestId('new-token-value').textContent())!.trim();
  expect(secret).toMatch(/^sgs_[A-Za-z0-9_-]{43}$/);
  expect((await request.get('/api/sagas', { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(200);
  const tokenRow = tokens.getByTestId('token-row').filter({ hasText: tokenName });
  await expect(tokenRow).toContainText('active');
  page.once('dialog', (d) => void d.accept());
  await tokenRow.getByRole('button', { name: 'Revoke' }).click();
  await expect(tokenRow).toContainText('revoked');
  await page.screenshot({ path: 'docs/screenshot-admin.png', fullPage: true });
  expect((await request.get('/api/sagas', { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(401);

  // The audit trail lists those changes, and the chain verifies.
  await nav.getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: 'user.create' }).filter({ hasText: operator.name }).first()).toBeAttached();
  await expect(rows.filter({ hasText: 'token.create' }).first()).toContainText(E2E_ADMIN.name);
  await expect(rows.filter({ hasText: 'token.revoke' }).first()).toContainText(E2E_ADMIN.name);
  await expect(rows.filter({ hasText: 'auth.login' }).first()).toContainText('ok');
  await page.getByLabel('Action').fill('token');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/action=token/);
  await expect(rows).toHaveCount(2);
  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await expect(page.getByTestId('verify-result')).toContainText('Chain intact');

  // Export the audit trail as CSV from the Export page: progress, manifest, download.
  await nav.getByRole('link', { name: 'Export' }).click();
  await page.getByLabel('What').selectOption('audit');
  await page.getByLabel('Format').selectOption('csv');
  // One click: the browser saves the streamed file as a download; the manifest follows on the page.
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
  await expect(page.getByTestId('export-verified')).toBeVisible();
  const exportedRows = Number((await page.getByTestId('export-rows').textContent())!.replace(/,/g, ''));
  expect(exportedRows).toBeGreaterThanOrEqual(5);
  await expect(page.getByTestId('export-manifest')).toContainText(exportedRows.toLocaleString('en-US'));
  await page.screenshot({ path: 'docs/screenshot-export.png' });

  const dir = await mkdtemp(path.join(tmpdir(), 'sagascope-e2e-export-'));
  const [manifest] = await Promise.all([page.waitForEvent('download'), page.getByTestId('manifest-download').click()]);
  const filePath = path.join(dir, file.suggestedFilename());
  const manifestPath = path.join(dir, manifest.suggestedFilename());
  await file.saveAs(filePath);
  await manifest.saveAs(manifestPath);
  expect(filePath).toMatch(/\.csv$/);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/audit-verify.ts', '--export', filePath, '--manifest', manifestPath]);
  expect(stdout).toContain(`export OK: ${exportedRows} audit rows`);
  expect(stdout).toContain('whole chain verified');

  // The export itself is in the trail, newest first.
  await page.goto('/audit');
  await expect(rows.first()).toContainText('export');
  await expect(rows.first()).toContainText('ok');
  await page.screenshot({ path: 'docs/screenshot-audit.png' });

  // Sign out: the session ends.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/sagas');
  await expect(page).toHaveURL(/\/login\?next=%2Fsagas/);
});

test('operator: reads sagas, no admin, audit or export', async ({ page, request }) => {
  await signIn(page, operator.name, operator.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Sagas' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  for (const where of ['/admin', '/audit', '/export']) {
    await page.goto(where);
    await expect(page.getByTestId('forbidden')).toBeVisible();
  }
  // The API refuses an admin change from this session, with or without its CSRF token.
  const csrf = (await page.context().cookies()).find((c) => c.name === 'sagascope_csrf')!.value;
  const withToken = await page.request.post('/api/admin/users', { data: { name: 'sneaky', role: 'admin', password: 'sneaky-password-1' }, headers: { 'X-CSRF-Token': csrf } });
  expect(withToken.status()).toBe(403);
  expect((await withToken.json()).code).toBe('forbidden');
  const without = await page.request.post('/api/admin/users', { data: { name: 'sneaky', role: 'admin', password: 'sneaky-password-1' } });
  expect((await without.json()).code).toBe('csrf');
  // Nobody signed in: the API asks for credentials.
  expect((await request.get('/api/sagas')).status()).toBe(401);
});
