/**
 * Creates the first admin the way a user does on a fresh install — the /setup
 * page with the one-time setup token (passed to `npm start` as
 * SAGASCOPE_SETUP_TOKEN) — and saves the signed-in state for the other tests.
 * On a database that already has the admin (E2E_DATABASE_URL reused), signs in.
 */
import { test as setup, expect } from '@playwright/test';
import { ADMIN_STATE, e2eSetupToken } from '../../playwright.config';
import { E2E_ADMIN } from './accounts';

setup('first admin through /setup', async ({ page }) => {
  await page.goto('/setup');
  if (new URL(page.url()).pathname === '/setup') {
    await page.getByLabel('Setup token').fill(e2eSetupToken!);
    await page.getByLabel('Admin user name').fill(E2E_ADMIN.name);
    await page.getByLabel('Password (10 characters or more)').fill(E2E_ADMIN.password);
    await page.getByLabel('Password again').fill(E2E_ADMIN.password);
    await page.getByRole('button', { name: 'Create the admin and sign in' }).click();
    await expect(page).toHaveURL(/\/admin$/);
  } else {
    await page.getByLabel('User name').fill(E2E_ADMIN.name);
    await page.getByLabel('Password').fill(E2E_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/sagas/);
  }
  await expect(page.getByTestId('user-menu')).toContainText(E2E_ADMIN.name);
  await page.context().storageState({ path: ADMIN_STATE });
});
