/** The first admin of the demo server, through /setup with this config's setup token. */
import { test as setup } from '@playwright/test';
import { DEMO_ADMIN_STATE, e2eDemoSetupToken } from '../../playwright.demo.config';
import { firstAdminSignedIn } from '../support/first-admin';

setup('first admin through /setup', async ({ page }) => {
  await firstAdminSignedIn(page, e2eDemoSetupToken, DEMO_ADMIN_STATE);
});
