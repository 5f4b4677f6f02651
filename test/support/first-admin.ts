/**
 * Creates the first admin the way a user does on a fresh install — the /setup
 * page with the one-time setup token (passed to `npm start` as
 * SAGASCOPE_SETUP_TOKEN) — and saves the signed-in state to `statePath`. On a
 * database that already has the admin (a reused e2e database), signs in instead.
 * Used by both e2e configurations' setup projects.
 */
import { expect, type Page } from '@playwright/test';
import { E2E_ADMIN } from '../e2e/accounts';

export async function firstAdminSignedIn(page: Page, setupToken: string, statePath: string): Promise<void> {
  await page.goto('/setup');
  if (new URL(page.url()).pathname === '/setup') {
    await page.getByLabel('Setup token').fill(setupToken);
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
  await page.context().storageState({ path: statePath });
}
