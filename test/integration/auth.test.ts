/**
 * Identity on the real PostgreSQL: first admin (setup token and CLI), sign-in,
 * sessions (hashed at rest, cookie flags, expiry, logout), API tokens (hashed,
 * revocation, expiry), user changes ending sessions, the last-admin rule,
 * throttling, and the `auto` auth mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { anonymousReadAllowed, authenticate } from '../../lib/auth/authenticate';
import { createToken, createUser, ensureSetupToken, login, updateUserAccount } from '../../lib/auth/accounts';
import { authSettingsFrom } from '../../lib/auth/settings';
import { PEER_HEADER, declareEdge } from '../../lib/http/forwarded';
import { sha256Hex } from '../../lib/auth/secrets';
import { listAudit, verifyAuditChain } from '../../lib/audit/store';
import { PASSWORD, apiRequest, cookieHeader, cookieValue, signIn } from '../support/api-client';
import { runCli } from '../support/cli';
import * as loginRoute from '../../app/api/auth/login/route';
import * as logoutRoute from '../../app/api/auth/logout/route';
import * as setupRoute from '../../app/api/auth/setup/route';
import * as passwordRoute from '../../app/api/auth/password/route';
import * as meRoute from '../../app/api/auth/me/route';
import * as tokenRoute from '../../app/api/admin/tokens/[id]/route';
import * as userRoute from '../../app/api/admin/users/[id]/route';
import * as sagasRoute from '../../app/api/sagas/route';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
let env: TestEnv;
// X-Forwarded-Proto counts from this proxy only (the peer header stands in for server/start.ts).
process.env.SAGASCOPE_TRUSTED_PROXIES = '10.0.0.1';
declareEdge();

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
});
afterAll(async () => {
  await env?.close();
});

const statusOf = async (res: Promise<Response> | Response) => (await res).status;

describe('before any user exists', () => {
  it('`auto` lets anonymous callers read; `on` never does; `off` always does', async () => {
    expect(await anonymousReadAllowed(env.db, 'auto')).toBe(true);
    expect(await anonymousReadAllowed(env.db, 'on')).toBe(false);
    expect(await anonymousReadAllowed(env.db, 'off')).toBe(true);
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas')))).toBe(200);
  });

  it('the setup token creates the first admin once, signed in with safe cookies', async () => {
    const setup = await ensureSetupToken(env.db, undefined);
    expect(setup?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [stored] = await env.db.query<{ value: { sha256: string } }>(`SELECT value FROM settings WHERE key = 'setup_token'`);
    expect(stored!.value.sha256).toBe(sha256Hex(setup!.token));

    const wrong = await setupRoute.POST(apiRequest('POST', '/api/auth/setup', { body: { token: 'not-the-token', name: 'root', password: PASSWORD } }));
    expect(wrong.status).toBe(403);

    const ok = await setupRoute.POST(
      apiRequest('POST', '/api/auth/setup', { body: { token: setup!.token, name: 'Root', password: PASSWORD }, headers: { [PEER_HEADER]: '10.0.0.1', 'x-forwarded-proto': 'https' } }),
    );
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ user: { name: 'root', role: 'admin' } });
    const [session, csrf] = ok.headers.getSetCookie();
    expect(session).toMatch(/^sagascope_session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; SameSite=Lax; HttpOnly; Secure$/);
    expect(csrf).toMatch(/^sagascope_csrf=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; SameSite=Lax; Secure$/);

    const again = await setupRoute.POST(apiRequest('POST', '/api/auth/setup', { body: { token: setup!.token, name: 'root2', password: PASSWORD } }));
    expect(again.status).toBe(409);
    expect(await ensureSetupToken(env.db, undefined)).toBeNull();
    const entries = (await listAudit(env.db, { action: 'user.create', limit: 10 })).items;
    expect(entries.map((e) => [e.outcome, e.via])).toEqual([
      ['failed', 'setup'],
      ['ok', 'setup'],
      ['failed', 'setup'],
    ]);
  });

  it('once a user exists, `auto` requires sign-in', async () => {
    expect(await anonymousReadAllowed(env.db, 'auto')).toBe(false);
    const res = await sagasRoute.GET(apiRequest('GET', '/api/sagas'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
  });
});

describe('sign-in and sessions', () => {
  it('refuses a wrong password and an unknown user with the same answer, and audits both', async () => {
    const a = await loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'root', password: 'wrong-password-123' } }));
    const b = await loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'nobody', password: 'wrong-password-123' } }));
    expect([a.status, b.status]).toEqual([401, 401]);
    expect(await a.json()).toEqual(await b.json());
    expect(a.headers.getSetCookie()).toEqual([]);
    const failed = (await listAudit(env.db, { action: 'auth.login', outcome: 'failed', limit: 10 })).items;
    expect(failed.map((e) => [e.actor, e.reason])).toEqual([
      ['nobody', 'unknown user'],
      ['root', 'wrong password'],
    ]);
  });

  it('stores only the SHA-256 of the session token', async () => {
    const res = await loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'ROOT ', password: PASSWORD } }));
    expect(res.status).toBe(200);
    const token = cookieValue(res, 'sagascope_session')!;
    const rows = await env.db.query<{ token_hash: string }>('SELECT token_hash FROM sessions');
    expect(rows.map((r) => r.token_hash)).toContain(sha256Hex(token));
    expect(rows.map((r) => r.token_hash)).not.toContain(token);
    const me = await meRoute.GET(apiRequest('GET', '/api/auth/me', { cookie: cookieHeader(res) }));
    expect(await me.json()).toMatchObject({ principal: { kind: 'user', name: 'root', role: 'admin' }, authMode: 'auto', usersExist: true });
  });

  it('an expired session is no session', async () => {
    const past = new Date(Date.now() - 2 * 3600_000);
    const throttle = authSettingsFrom(env.config).loginThrottle;
    const r = await login(env.db, { name: 'root', password: PASSWORD, userAgent: null, ttlMinutes: 60, client: '192.0.2.1', throttle }, past);
    if (!r.ok) throw new Error(r.error);
    const cookie = `sagascope_session=${r.session.token}`;
    const auth = await authenticate(env.db, { authorization: null, cookie }, 'auto');
    expect(auth).toEqual({ ok: true, principal: { kind: 'anonymous', readAccess: false } });
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', { cookie })))).toBe(401);
    // Still valid just before its expiry.
    const justBefore = new Date(past.getTime() + 59 * 60_000);
    expect(await authenticate(env.db, { authorization: null, cookie }, 'auto', justBefore)).toMatchObject({ ok: true, principal: { kind: 'user', name: 'root' } });
  });

  it('logout deletes the session server-side and clears the cookies', async () => {
    const s = await signIn(loginRoute.POST, 'root', PASSWORD);
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', s)))).toBe(200);
    const out = await logoutRoute.POST(apiRequest('POST', '/api/auth/logout', s));
    expect(out.status).toBe(200);
    expect(out.headers.getSetCookie()[0]).toMatch(/^sagascope_session=; .*Max-Age=0/);
    // The old cookie replayed: the session is gone.
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', s)))).toBe(401);
    expect((await listAudit(env.db, { action: 'auth.logout', limit: 5 })).items[0]).toMatchObject({ actor: 'root', outcome: 'ok' });
  });

  it('throttles a name from an address after repeated failures without flooding the trail (more: login-throttle.test.ts)', async () => {
    const before = (await listAudit(env.db, { action: 'auth.login', limit: 500 })).items.length;
    const from = (peer: string, i: number) =>
      loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'victim', password: `guess-${i}-xxxxx` }, headers: { [PEER_HEADER]: peer } }));
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await statusOf(from('198.51.100.9', i)));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const refused = await from('198.51.100.9', 8);
    expect(refused.headers.get('retry-after')).toMatch(/^(59|60)$/);
    // Another address is not locked out.
    expect(await statusOf(from('198.51.100.10', 9))).toBe(401);
    const failed = (await listAudit(env.db, { action: 'auth.login', limit: 500 })).items;
    expect(failed.length - before).toBe(6);
    expect(failed[0]).toMatchObject({ actor: 'victim', outcome: 'failed', request: { client: '198.51.100.10' } });
  });
});

describe('users and their sessions', () => {
  it('disabling a user ends their sessions; a role change applies at once', async () => {
    const created = await createUser(env.db, SYSTEM, { name: 'dora', role: 'operator', password: PASSWORD });
    if (!created.ok) throw new Error(created.error);
    const s = await signIn(loginRoute.POST, 'dora', PASSWORD);
    expect(await authenticate(env.db, { authorization: null, cookie: s.cookie }, 'auto')).toMatchObject({ principal: { role: 'operator' } });

    await updateUserAccount(env.db, SYSTEM, created.user.id, { role: 'auditor' });
    // Role changes end sessions too: the user signs in again with the new role.
    expect(await authenticate(env.db, { authorization: null, cookie: s.cookie }, 'auto')).toMatchObject({ principal: { kind: 'anonymous' } });
    const s2 = await signIn(loginRoute.POST, 'dora', PASSWORD);
    expect(await authenticate(env.db, { authorization: null, cookie: s2.cookie }, 'auto')).toMatchObject({ principal: { role: 'auditor' } });

    const admin = await signIn(loginRoute.POST, 'root', PASSWORD);
    const res = await userRoute.PATCH(apiRequest('PATCH', `/api/admin/users/${created.user.id}`, { ...admin, body: { disabled: true } }), {
      params: Promise.resolve({ id: created.user.id }),
    });
    expect(res.status).toBe(200);
    expect(await authenticate(env.db, { authorization: null, cookie: s2.cookie }, 'auto')).toMatchObject({ principal: { kind: 'anonymous' } });
    expect(await statusOf(loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'dora', password: PASSWORD } })))).toBe(401);
    const entry = (await listAudit(env.db, { action: 'user.update', limit: 1 })).items[0]!;
    expect(entry).toMatchObject({ actor: 'root', role: 'admin', via: 'session', request: { name: 'dora', disabled: true } });
  });

  it('the last active admin cannot be demoted or disabled', async () => {
    const [root] = await env.db.query<{ id: string }>(`SELECT id::text AS id FROM users WHERE name = 'root'`);
    expect(await updateUserAccount(env.db, SYSTEM, root!.id, { role: 'viewer' })).toMatchObject({ ok: false, status: 409 });
    expect(await updateUserAccount(env.db, SYSTEM, root!.id, { disabled: true })).toMatchObject({ ok: false, status: 409 });
    await createUser(env.db, SYSTEM, { name: 'second-admin', role: 'admin', password: PASSWORD });
    expect(await updateUserAccount(env.db, SYSTEM, root!.id, { role: 'admin' })).toMatchObject({ ok: true });
  });

  it('changing one’s password ends the other sessions and keeps this one', async () => {
    await createUser(env.db, SYSTEM, { name: 'erin', role: 'viewer', password: PASSWORD });
    const a = await signIn(loginRoute.POST, 'erin', PASSWORD);
    const b = await signIn(loginRoute.POST, 'erin', PASSWORD);
    const wrong = await passwordRoute.POST(apiRequest('POST', '/api/auth/password', { ...a, body: { currentPassword: 'not-my-password', newPassword: 'a-new-password-1' } }));
    expect(wrong.status).toBe(403);
    const ok = await passwordRoute.POST(apiRequest('POST', '/api/auth/password', { ...a, body: { currentPassword: PASSWORD, newPassword: 'a-new-password-1' } }));
    expect(ok.status).toBe(200);
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', a)))).toBe(200);
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', b)))).toBe(401);
    expect(await statusOf(loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'erin', password: 'a-new-password-1' } })))).toBe(200);
  });
});

describe('API tokens', () => {
  it('are stored hashed, work as Bearer, and stop working once revoked', async () => {
    const t = await createToken(env.db, SYSTEM, { name: 'ci', role: 'viewer' });
    const rows = await env.db.query<{ token_hash: string; prefix: string }>('SELECT token_hash, prefix FROM api_tokens WHERE id = $1::uuid', [t.record.id]);
    expect(rows[0]).toEqual({ token_hash: sha256Hex(t.token), prefix: t.token.slice(0, 10) });
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', { bearer: t.token })))).toBe(200);

    const admin = await signIn(loginRoute.POST, 'root', PASSWORD);
    const revoke = await tokenRoute.DELETE(apiRequest('DELETE', `/api/admin/tokens/${t.record.id}`, admin), { params: Promise.resolve({ id: t.record.id }) });
    expect(revoke.status).toBe(200);
    const after = await sagasRoute.GET(apiRequest('GET', '/api/sagas', { bearer: t.token }));
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'invalid_token' });
    const twice = await tokenRoute.DELETE(apiRequest('DELETE', `/api/admin/tokens/${t.record.id}`, admin), { params: Promise.resolve({ id: t.record.id }) });
    expect(twice.status).toBe(409);
    expect((await listAudit(env.db, { action: 'token', limit: 5 })).items.map((e) => e.action)).toEqual(['token.revoke', 'token.create']);
  });

  it('expire', async () => {
    const t = await createToken(env.db, SYSTEM, { name: 'short-lived', role: 'viewer', expiresInDays: 1 }, new Date(Date.now() - 2 * 86_400_000));
    expect(await statusOf(sagasRoute.GET(apiRequest('GET', '/api/sagas', { bearer: t.token })))).toBe(401);
  });

  it('refuse malformed Authorization headers', async () => {
    for (const authorization of ['Basic abc', 'Bearer', 'Bearer sgs_x y', `Bearer ${'a'.repeat(47)}`]) {
      const res = await sagasRoute.GET(new Request('http://127.0.0.1:3000/api/sagas', { headers: { authorization } }));
      expect(res.status, authorization).toBe(401);
    }
  });
});

describe('npm run user:create', () => {
  it('creates a user from SAGASCOPE_USER_PASSWORD or stdin, never with a default password', async () => {
    const dbEnv = { DATABASE_URL: env.databaseUrl };
    const noPassword = await runCli('cli/user-create.ts', ['--admin', 'cli-admin'], { ...dbEnv, SAGASCOPE_USER_PASSWORD: '' });
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/no password/);

    const viaEnv = await runCli('cli/user-create.ts', ['--admin', 'cli-admin'], { ...dbEnv, SAGASCOPE_USER_PASSWORD: 'cli-password-123' });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toContain('Created user cli-admin (admin)');

    const viaStdin = await runCli('cli/user-create.ts', ['--role', 'auditor', 'cli-auditor', '--password-stdin'], { ...dbEnv, SAGASCOPE_USER_PASSWORD: '' }, 'stdin-password-123\n');
    expect(viaStdin.code, viaStdin.stderr).toBe(0);

    const dup = await runCli('cli/user-create.ts', ['--admin', 'cli-admin'], { ...dbEnv, SAGASCOPE_USER_PASSWORD: 'cli-password-456' });
    expect(dup.code).toBe(1);
    const reset = await runCli('cli/user-create.ts', ['--admin', 'cli-admin', '--reset-password'], { ...dbEnv, SAGASCOPE_USER_PASSWORD: 'cli-password-456' });
    expect(reset.code, reset.stderr).toBe(0);

    expect(await statusOf(loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'cli-admin', password: 'cli-password-456' } })))).toBe(200);
    expect(await statusOf(loginRoute.POST(apiRequest('POST', '/api/auth/login', { body: { name: 'cli-auditor', password: 'stdin-password-123' } })))).toBe(200);
    const created = (await listAudit(env.db, { actor: undefined, action: 'user', limit: 3 })).items;
    expect(created[0]).toMatchObject({ via: 'cli', role: 'system', action: 'user.update' });
    expect((await verifyAuditChain(env.db)).ok).toBe(true);
  });
});
