/** Users for e2e tests: the admin creates them, each test signs in as its own in a fresh context. */
import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';

export interface TestUser {
  name: string;
  password: string;
}

export async function csrfOf(request: APIRequestContext): Promise<string> {
  const state = await request.storageState();
  return state.cookies.find((c) => c.name === 'sagascope_csrf')!.value;
}

/** The admin (a saved signed-in state) creates each user with its role through the admin API. */
export async function createUsers(
  browser: Browser,
  baseURL: string,
  adminState: string,
  users: ReadonlyArray<readonly [TestUser, 'admin' | 'operator' | 'viewer']>,
): Promise<void> {
  const admin = await browser.newContext({ baseURL, storageState: adminState });
  try {
    const csrf = await csrfOf(admin.request);
    for (const [u, role] of users) {
      const res = await admin.request.post('/api/admin/users', { data: { name: u.name, role, password: u.password }, headers: { 'X-CSRF-Token': csrf } });
      expect(res.status(), await res.text()).toBe(201);
    }
  } finally {
    await admin.close();
  }
}

/** A new context signed in as `who` through the login form, on `path`. Close it with page.context().close(). */
export async function signedIn(browser: Browser, baseURL: string, who: TestUser, path: string): Promise<Page> {
  const page = await (await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } })).newPage();
  await page.goto(path);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('User name').fill(who.name);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('user-menu')).toContainText(who.name);
  return page;
}
