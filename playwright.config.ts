import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';

// The system Chromium (Debian package); Playwright downloads no browser here.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORT = Number(process.env.E2E_PORT ?? 3100);
const GRPC = Number(process.env.E2E_GRPC_PORT ?? 14317);
const HTTP = Number(process.env.E2E_HTTP_PORT ?? 14318);
/** The DTM test double every run starts beside the server (test/e2e/dtm-double.ts); the server's SAGASCOPE_DTM_SERVERS. */
const DTM = Number(process.env.E2E_DTM_PORT ?? 14319);

export const e2ePorts = { ui: PORT, grpc: GRPC, http: HTTP, dtm: DTM };

// The first admin is created through /setup with this one-time token (test/e2e/global.setup.ts);
// set here once so the server and the test workers (which inherit the environment) agree.
process.env.E2E_SETUP_TOKEN ??= randomBytes(32).toString('base64url');
export const e2eSetupToken = process.env.E2E_SETUP_TOKEN;
/** The system Chromium and its flags; playwright.demo.config.ts launches the same. */
export const chromiumLaunchOptions = {
  executablePath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};
/** What every e2e run of `npm start` is given: loopback ports, a throwaway audit key, quiet logs, the one-time setup token. */
export function startEnv(ports: { ui: number; grpc: number; http: number }, setupToken: string): Record<string, string> {
  return {
    PORT: String(ports.ui),
    COLLECTOR_GRPC_PORT: String(ports.grpc),
    COLLECTOR_HTTP_PORT: String(ports.http),
    SAGASCOPE_HOST: '127.0.0.1',
    // A throwaway audit checkpoint key: nothing is generated into the home directory (lib/audit/key.ts).
    SAGASCOPE_AUDIT_KEY: randomBytes(32).toString('base64url'),
    SAGASCOPE_LOG_LEVEL: 'warn',
    NEXT_TELEMETRY_DISABLED: '1',
    SAGASCOPE_SETUP_TOKEN: setupToken,
  };
}
/** The signed-in admin's cookies, shared by the tests that are not about signing in. */
export const ADMIN_STATE = process.env.E2E_ADMIN_STATE ?? '.data/e2e-admin-state.json';

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    { name: 'setup', testMatch: /global\.setup\.ts$/ },
    { name: 'chromium', dependencies: ['setup'], testIgnore: /global\.setup\.ts$/, use: { storageState: ADMIN_STATE } },
  ],
  webServer: [
    {
      // A DTM for the server to read from its first request (test/e2e/dtm.spec.ts drives it), as in a DTM deployment.
      command: 'node --import tsx test/e2e/dtm-double.ts',
      url: `http://127.0.0.1:${DTM}/api/ping`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      env: { E2E_DTM_PORT: String(DTM), ...(process.env.E2E_DATABASE_URL ? { E2E_DATABASE_URL: process.env.E2E_DATABASE_URL } : {}) },
    },
    {
      // The real product start path: `npm start` (collector + UI in one process).
      command: 'npm start',
      url: `http://127.0.0.1:${PORT}/api/health`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      env: {
        ...startEnv({ ui: PORT, grpc: GRPC, http: HTTP }, e2eSetupToken),
        // These tests send their own sagas and count them: no demo fleet (and default thresholds).
        SAGASCOPE_DEMO: 'false',
        // Manual actions may call participants the tests start on loopback (test/e2e/actions.spec.ts).
        SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1',
        // Alert webhooks may go to the receiver test/e2e/alerts.spec.ts runs on loopback.
        SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        // The DTM test double above; read afresh on each page load (test/e2e/dtm.spec.ts reloads to see DTM move on).
        SAGASCOPE_DTM_SERVERS: `http://127.0.0.1:${DTM}`,
        SAGASCOPE_DTM_CACHE_MS: '0',
        SAGASCOPE_DTM_POLL_MS: '1000',
        ...(process.env.E2E_DATABASE_URL
          ? { DATABASE_URL: process.env.E2E_DATABASE_URL }
          : { SAGASCOPE_DATA_DIR: `.data/e2e-${Date.now()}` }),
      },
    },
  ],
});
