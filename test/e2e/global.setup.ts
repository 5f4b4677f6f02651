/**
 * Creates the first admin through /setup (or signs in on a reused database) and
 * saves the signed-in state for the other tests (test/support/first-admin.ts).
 */
import { test as setup } from '@playwright/test';
import { ADMIN_STATE, e2eSetupToken } from '../../playwright.config';
import { firstAdminSignedIn } from '../support/first-admin';

setup('first admin through /setup', async ({ page }) => {
  await firstAdminSignedIn(page, e2eSetupToken!, ADMIN_STATE);
});
