/**
 * The login throttle on the real PostgreSQL, through the real login route
 * (issue 15 §3, §4): concurrent guesses are counted before any password is
 * checked, also from two connection pools at once (two processes, as far as
 * PostgreSQL can tell); a stranger's lockout is the stranger's alone; lockouts
 * grow; above the account-wide ceiling only the owner's known addresses may
 * try; and the client address is the socket's unless a trusted proxy says
 * otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb, type Db } from '../../lib/db/connection';
import { openMigratedDb } from '../../lib/db/setup';
import { createUser, login } from '../../lib/auth/accounts';
import { authSettingsFrom } from '../../lib/auth/settings';
import { loginCounters } from '../../lib/auth/login-metrics';
import { PEER_HEADER, declareEdge } from '../../lib/http/forwarded';
import { listAudit } from '../../lib/audit/store';
import { PASSWORD, apiRequest } from '../support/api-client';
import * as loginRoute from '../../app/api/auth/login/route';
import * as metricsRoute from '../../app/metrics/route';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
const MAX = 5;
// The route reads its configuration from the environment; the peer header stands in for server/start.ts.
process.env.SAGASCOPE_LOGIN_MAX_ATTEMPTS = String(MAX);
process.env.SAGASCOPE_TRUSTED_PROXIES = '10.0.0.0/8';
declareEdge();

let env: TestEnv;
let second: Db;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  // A second pool on the same database: what a second UI process would be to PostgreSQL.
  second = await openMigratedDb(env.config);
  for (const name of ['owner', 'owner2', 'owner3', 'owner4', 'owner5', 'proxied']) await createUser(env.db, SYSTEM, { name, role: 'viewer', password: PASSWORD });
});

afterAll(async () => {
  await second?.close();
  await env?.close();
});

function attempt(name: string, password: string, headers: Record<string, string>): Promise<Response> {
  return loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name, password }, headers }));
}
const statusCounts = (statuses: number[]) => statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

describe('concurrent guesses', () => {
  it('60 concurrent wrong logins: exactly the configured attempts are checked, the rest get 429 without password work', async () => {
    const checksBefore = loginCounters.passwordChecks;
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => attempt('owner', `wrong-password-${i}`, { [PEER_HEADER]: '203.0.113.66' })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statusCounts(statuses)).toEqual({ 401: MAX, 429: 60 - MAX });
    expect(loginCounters.passwordChecks - checksBefore).toBe(MAX);
    const refused = responses.find((r) => r.status === 429)!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(55);
    expect((await refused.json()).error).toMatch(/too many failed sign-ins for this user from this address/);
    // Only the checked attempts are in the trail.
    const trail = (await listAudit(env.db, { action: 'auth.login', outcome: 'failed', limit: 100 })).items.filter((e) => e.actor === 'owner');
    expect(trail).toHaveLength(MAX);
  });

  it('the owner signs in from their own address during the stranger’s lockout; the stranger’s address stays locked, even with the right password', async () => {
    expect((await attempt('owner', PASSWORD, { [PEER_HEADER]: '198.51.100.20' })).status).toBe(200);
    expect((await attempt('owner', PASSWORD, { [PEER_HEADER]: '203.0.113.66' })).status).toBe(429);
  });

  it('59 wrong and 1 right password at once (the reported race): at most the configured attempts are checked', async () => {
    const checksBefore = loginCounters.passwordChecks;
    const statuses = (
      await Promise.all(Array.from({ length: 60 }, (_, i) => attempt('owner2', i === 30 ? PASSWORD : `wrong-password-${i}`, { [PEER_HEADER]: '203.0.113.67' })))
    ).map((r) => r.status);
    const counts = statusCounts(statuses);
    expect((counts[200] ?? 0) + (counts[401] ?? 0)).toBeLessThanOrEqual(MAX);
    expect(counts[429]).toBeGreaterThanOrEqual(60 - MAX);
    expect(loginCounters.passwordChecks - checksBefore).toBeLessThanOrEqual(MAX);
  });

  it('two pools (two processes) guessing at once share one budget', async () => {
    const settings = authSettingsFrom(env.config).loginThrottle;
    const now = new Date();
    const checksBefore = loginCounters.passwordChecks;
    const one = (db: Db, i: number) =>
      login(db, { name: 'owner3', password: `wrong-password-${i}`, userAgent: null, ttlMinutes: 60, client: '203.0.113.68', throttle: settings }, now);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => one(i % 2 === 0 ? env.db : second, i)));
    const statuses = results.map((r) => (r.ok ? 200 : r.status));
    expect(statusCounts(statuses)).toEqual({ 401: MAX, 429: 40 - MAX });
    expect(loginCounters.passwordChecks - checksBefore).toBe(MAX);
  });
});

describe('lockouts over time', () => {
  const settings = () => authSettingsFrom(env.config).loginThrottle;
  const at = (name: string, client: string, password: string, now: number) =>
    login(env.db, { name, password, userAgent: null, ttlMinutes: 60, client, throttle: settings() }, new Date(now));
  const statusOf = (r: Awaited<ReturnType<typeof login>>) => (r.ok ? 200 : r.status);

  it('grow with each consecutive lockout, and a success forgets them', async () => {
    const t0 = Date.now();
    const round = async (start: number) => {
      const out: number[] = [];
      for (let i = 0; i <= MAX; i++) out.push(statusOf(await at('owner4', '203.0.113.70', 'wrong-password-x', start + i)));
      return out;
    };
    expect(await round(t0)).toEqual([401, 401, 401, 401, 401, 429]);
    // The fifth attempt (at t0 + 4) locked the pair for a minute.
    expect(await at('owner4', '203.0.113.70', 'wrong-password-x', t0 + 30_004)).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    // After the first minute: a new round, whose lockout lasts two minutes.
    expect(await round(t0 + 61_000)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await at('owner4', '203.0.113.70', 'wrong-password-x', t0 + 61_000 + 119_000)).toMatchObject({ status: 429 });
    // Then four: the right password ends it.
    expect(await round(t0 + 190_000)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await at('owner4', '203.0.113.70', PASSWORD, t0 + 190_004 + 239_000)).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    expect(statusOf(await at('owner4', '203.0.113.70', PASSWORD, t0 + 190_000 + 241_000))).toBe(200);
    expect(await round(t0 + 500_000)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(await at('owner4', '203.0.113.70', 'wrong-password-x', t0 + 500_004 + 30_000)).toMatchObject({ status: 429, retryAfterSeconds: 30 });
  });

  it('above the account-wide ceiling, addresses the owner signed in from still may try; new ones wait for the window', async () => {
    const ceiling = { ...settings(), accountMaxAttempts: 8 };
    const t0 = Date.now();
    const with_ = (client: string, password: string, now: number) =>
      login(env.db, { name: 'owner5', password, userAgent: null, ttlMinutes: 60, client, throttle: ceiling }, new Date(now));
    expect(statusOf(await with_('198.51.100.50', PASSWORD, t0))).toBe(200);
    // With the owner's sign-in, eight attempts: seven guesses from four addresses (none locked out on its own).
    for (let i = 0; i < 7; i++) expect(statusOf(await with_(`203.0.113.${80 + (i % 4)}`, 'wrong-password-y', t0 + 1 + i))).toBe(401);
    const stranger = await with_('203.0.113.90', 'wrong-password-y', t0 + 20);
    expect(stranger).toMatchObject({ status: 429 });
    expect(stranger.ok ? '' : stranger.error).toMatch(/too many failed sign-ins for this user;/);
    expect(statusOf(await with_('198.51.100.50', PASSWORD, t0 + 21))).toBe(200);
    expect(statusOf(await with_('203.0.113.90', PASSWORD, t0 + 15 * 60_000 + 2))).toBe(200);
  });
});

describe('the client address (SAGASCOPE_TRUSTED_PROXIES=10.0.0.0/8)', () => {
  it('behind a trusted proxy, X-Forwarded-For names the client: one client’s lockout is not another’s', async () => {
    const via = (client: string, password = 'wrong-password-z') => attempt('proxied', password, { [PEER_HEADER]: '10.0.0.5', 'x-forwarded-for': client });
    const statuses: number[] = [];
    for (let i = 0; i <= MAX; i++) statuses.push((await via('198.51.100.101')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await via('198.51.100.102', PASSWORD)).status).toBe(200);
    const trail = (await listAudit(env.db, { action: 'auth.login', outcome: 'ok', limit: 1 })).items[0]!;
    expect(trail.request).toMatchObject({ name: 'proxied', client: '198.51.100.102' });
  });

  it('a client that is not a proxy cannot pick its address with X-Forwarded-For', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= MAX; i++) {
      statuses.push((await attempt('proxied', 'wrong-password-w', { [PEER_HEADER]: '203.0.113.99', 'x-forwarded-for': `198.51.100.${150 + i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('X-Forwarded-Proto makes cookies Secure only from a trusted proxy', async () => {
    const direct = await attempt('proxied', PASSWORD, { [PEER_HEADER]: '198.51.100.103', 'x-forwarded-proto': 'https' });
    expect(direct.status).toBe(200);
    expect(direct.headers.getSetCookie()[0]).not.toContain('Secure');
    const proxied = await attempt('proxied', PASSWORD, { [PEER_HEADER]: '10.0.0.5', 'x-forwarded-for': '198.51.100.103', 'x-forwarded-proto': 'https' });
    expect(proxied.status).toBe(200);
    expect(proxied.headers.getSetCookie()[0]).toMatch(/; Secure$/);
  });

  it('a forged X-Forwarded-Host does not pass the same-origin check', async () => {
    const forged = await loginRoute.POST(
      apiRequest('POST', '/api/auth/login', {
        body: { name: 'proxied', password: PASSWORD },
        origin: 'http://evil.example',
        headers: { [PEER_HEADER]: '203.0.113.120', 'x-forwarded-host': 'evil.example' },
      }),
    );
    expect(forged.status).toBe(403);
    const proxied = await loginRoute.POST(
      apiRequest('POST', '/api/auth/login', {
        body: { name: 'proxied', password: PASSWORD },
        origin: 'https://ops.example',
        headers: { [PEER_HEADER]: '10.0.0.5', 'x-forwarded-host': 'ops.example', 'x-forwarded-for': '198.51.100.104' },
      }),
    );
    expect(proxied.status).toBe(200);
  });
});

it('the counters are on /metrics', async () => {
  const body = await metricsRoute.GET().text();
  expect(body).toMatch(new RegExp(`^sagascope_login_password_checks_total ${loginCounters.passwordChecks}$`, 'm'));
  expect(body).toMatch(new RegExp(`^sagascope_login_throttled_total ${loginCounters.throttled}$`, 'm'));
  expect(loginCounters.throttled).toBeGreaterThan(100);
});

it('a name PostgreSQL cannot store is a 400, not a 500', async () => {
  for (const name of ['own\u0000er', '\ud800owner']) expect((await attempt(name, 'wrong-password-v', { [PEER_HEADER]: '203.0.113.121' })).status).toBe(400);
});

it('the embedded database (one PGlite backend) counts concurrent attempts the same way', async () => {
  const embedded = await startTestEnv({}, { embedded: true });
  try {
    await createUser(embedded.db, SYSTEM, { name: 'solo', role: 'viewer', password: PASSWORD });
    const throttle = authSettingsFrom(embedded.config).loginThrottle;
    const checksBefore = loginCounters.passwordChecks;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        login(embedded.db, { name: 'solo', password: `wrong-password-${i}`, userAgent: null, ttlMinutes: 60, client: '203.0.113.200', throttle }),
      ),
    );
    expect(statusCounts(results.map((r) => (r.ok ? 200 : r.status)))).toEqual({ 401: MAX, 429: 12 - MAX });
    expect(loginCounters.passwordChecks - checksBefore).toBe(MAX);
    const owner = await login(embedded.db, { name: 'solo', password: PASSWORD, userAgent: null, ttlMinutes: 60, client: '198.51.100.200', throttle });
    expect(owner.ok).toBe(true);
  } finally {
    await embedded.close();
  }
});
