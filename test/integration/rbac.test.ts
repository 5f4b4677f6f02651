/**
 * RBAC × route matrix, generated from ONE table (ROUTES below): every mutating
 * API route (and the protected reads), called in-process through its real
 * handler against PostgreSQL, by every caller — anonymous, a browser session of
 * each role with and without its CSRF token, an API token of each role, a
 * revoked token — with the expected status derived from the row's allowed roles.
 * A second pass runs the mutating routes in read-only mode. The table must list
 * every mutating handler found under app/api, so a new route cannot skip it.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { ROLES, type Role } from '../../lib/auth/roles';
import { ROUTE_RULES } from '../../lib/auth/routes';
import { createToken, createUser, revokeToken, updateRuntimeSettings } from '../../lib/auth/accounts';
import { listAudit } from '../../lib/audit/store';
import { PASSWORD, apiRequest, signIn, userName, type Credentials } from '../support/api-client';
import * as login from '../../app/api/auth/login/route';
import * as logout from '../../app/api/auth/logout/route';
import * as setup from '../../app/api/auth/setup/route';
import * as password from '../../app/api/auth/password/route';
import * as users from '../../app/api/admin/users/route';
import * as user from '../../app/api/admin/users/[id]/route';
import * as tokens from '../../app/api/admin/tokens/route';
import * as token from '../../app/api/admin/tokens/[id]/route';
import * as settings from '../../app/api/admin/settings/route';
import * as alertRules from '../../app/api/admin/alerts/route';
import * as alertRule from '../../app/api/admin/alerts/[id]/route';
import * as alertTest from '../../app/api/admin/alerts/[id]/test/route';
import * as alertDeliveries from '../../app/api/admin/alerts/deliveries/route';
import { createAlertRule } from '../../lib/alerts/store';
import { alertRuleInputSchema } from '../../lib/alerts/rule-schema';
import * as audit from '../../app/api/audit/route';
import * as auditVerify from '../../app/api/audit/verify/route';
import * as exportRoute from '../../app/api/export/route';
import * as sagas from '../../app/api/sagas/route';
import * as sagaActions from '../../app/api/sagas/[id]/actions/route';
import * as batchActions from '../../app/api/sagas/actions/route';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
// Alert rules may only point at allowlisted hosts; the routes read the process configuration on first use.
const previousAlertHosts = process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS;
process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
const WEBHOOK = 'http://127.0.0.1:9/rbac-hook';
const alertRuleBody = (name: string) => ({ name, kind: 'status', statuses: ['failed'], webhookUrl: WEBHOOK });

type Caller =
  | { kind: 'anonymous' }
  | { kind: 'session'; role: Role; csrf: boolean }
  | { kind: 'token'; role: Role }
  | { kind: 'revoked-token' };

const CALLERS: Caller[] = [
  { kind: 'anonymous' },
  ...ROLES.flatMap((role): Caller[] => [
    { kind: 'session', role, csrf: true },
    { kind: 'session', role, csrf: false },
  ]),
  ...ROLES.map((role): Caller => ({ kind: 'token', role })),
  { kind: 'revoked-token' },
];

const label = (c: Caller) =>
  c.kind === 'session' ? `${c.role} session ${c.csrf ? 'with' : 'without'} CSRF token` : c.kind === 'token' ? `${c.role} API token` : c.kind;

interface Fixture {
  env: TestEnv;
  targetUserId: string;
  tokens: Record<Role, string>;
  revoked: string;
  seq: number;
  /** A failed saga the action routes can plan for (dry runs: nothing is called). */
  sagaId: string;
  alertRuleId: string;
}

interface RouteCase {
  route: keyof typeof ROUTE_RULES;
  /** Roles allowed, or `public` (no sign-in needed). */
  allowed: readonly Role[] | 'public';
  /** Status when allowed (session). */
  ok: number;
  /** Status when allowed for an API token, if different. */
  tokenOk?: number;
  call(fx: Fixture, creds: Credentials & { origin?: string | null }): Promise<Response>;
}

const ALL = ROLES;
const ADMIN: Role[] = ['admin'];
const AUDIT: Role[] = ['auditor', 'admin'];
const ACT: Role[] = ['operator', 'admin'];

/** THE table. */
const ROUTES: RouteCase[] = [
  {
    route: 'POST /api/auth/login',
    allowed: 'public',
    ok: 200,
    call: (_fx, c) => login.POST(apiRequest('POST', '/api/auth/login', { ...c, body: { name: userName('viewer'), password: PASSWORD } })),
  },
  { route: 'POST /api/auth/logout', allowed: ALL, ok: 200, call: (_fx, c) => logout.POST(apiRequest('POST', '/api/auth/logout', c)) },
  {
    route: 'POST /api/auth/setup',
    allowed: 'public',
    // Users exist: the setup token can no longer be used.
    ok: 409,
    call: (_fx, c) => setup.POST(apiRequest('POST', '/api/auth/setup', { ...c, body: { token: 'x'.repeat(43), name: 'late-admin', password: PASSWORD } })),
  },
  {
    route: 'POST /api/auth/password',
    allowed: ALL,
    ok: 200,
    tokenOk: 400,
    call: (_fx, c) => password.POST(apiRequest('POST', '/api/auth/password', { ...c, body: { currentPassword: PASSWORD, newPassword: PASSWORD } })),
  },
  {
    route: 'POST /api/admin/users',
    allowed: ADMIN,
    ok: 201,
    call: (fx, c) => users.POST(apiRequest('POST', '/api/admin/users', { ...c, body: { name: `new-user-${++fx.seq}`, role: 'viewer', password: PASSWORD } })),
  },
  {
    route: 'PATCH /api/admin/users/[id]',
    allowed: ADMIN,
    ok: 200,
    call: (fx, c) =>
      user.PATCH(apiRequest('PATCH', `/api/admin/users/${fx.targetUserId}`, { ...c, body: { disabled: fx.seq++ % 2 === 0 } }), { params: Promise.resolve({ id: fx.targetUserId }) }),
  },
  {
    route: 'POST /api/admin/tokens',
    allowed: ADMIN,
    ok: 201,
    call: (fx, c) => tokens.POST(apiRequest('POST', '/api/admin/tokens', { ...c, body: { name: `script ${++fx.seq}`, role: 'viewer' } })),
  },
  {
    route: 'DELETE /api/admin/tokens/[id]',
    allowed: ADMIN,
    ok: 200,
    async call(fx, c) {
      const victim = await createToken(fx.env.db, SYSTEM, { name: `victim ${++fx.seq}`, role: 'viewer' });
      return token.DELETE(apiRequest('DELETE', `/api/admin/tokens/${victim.record.id}`, c), { params: Promise.resolve({ id: victim.record.id }) });
    },
  },
  {
    route: 'POST /api/admin/alerts',
    allowed: ADMIN,
    ok: 201,
    call: (fx, c) => alertRules.POST(apiRequest('POST', '/api/admin/alerts', { ...c, body: alertRuleBody(`rule ${++fx.seq}`) })),
  },
  {
    route: 'PATCH /api/admin/alerts/[id]',
    allowed: ADMIN,
    ok: 200,
    call: (fx, c) =>
      alertRule.PATCH(apiRequest('PATCH', `/api/admin/alerts/${fx.alertRuleId}`, { ...c, body: { enabled: fx.seq++ % 2 === 0 } }), {
        params: Promise.resolve({ id: fx.alertRuleId }),
      }),
  },
  {
    route: 'DELETE /api/admin/alerts/[id]',
    allowed: ADMIN,
    ok: 200,
    async call(fx, c) {
      const victim = await createAlertRule(fx.env.db, SYSTEM, alertRuleInputSchema.parse(alertRuleBody(`victim rule ${++fx.seq}`)));
      return alertRule.DELETE(apiRequest('DELETE', `/api/admin/alerts/${victim.rule.id}`, c), { params: Promise.resolve({ id: victim.rule.id }) });
    },
  },
  {
    route: 'POST /api/admin/alerts/[id]/test',
    allowed: ADMIN,
    ok: 202,
    call: (fx, c) => alertTest.POST(apiRequest('POST', `/api/admin/alerts/${fx.alertRuleId}/test`, c), { params: Promise.resolve({ id: fx.alertRuleId }) }),
  },
  // Before the settings row: in the read-only pass that row switches the mode off again.
  {
    route: 'POST /api/sagas/[id]/actions',
    allowed: ACT,
    ok: 200,
    call: (fx, c) =>
      sagaActions.POST(apiRequest('POST', `/api/sagas/${fx.sagaId}/actions`, { ...c, body: { action: 'compensate', dryRun: true } }), {
        params: Promise.resolve({ id: fx.sagaId }),
      }),
  },
  {
    route: 'POST /api/sagas/actions',
    allowed: ACT,
    ok: 200,
    call: (fx, c) =>
      batchActions.POST(apiRequest('POST', '/api/sagas/actions', { ...c, body: { filter: { q: fx.sagaId }, action: 'compensate', dryRun: true } })),
  },
  {
    route: 'PUT /api/admin/settings',
    allowed: ADMIN,
    ok: 200,
    call: (_fx, c) => settings.PUT(apiRequest('PUT', '/api/admin/settings', { ...c, body: { readOnly: false } })),
  },
  // Protected reads: the same callers, CSRF irrelevant.
  { route: 'GET /api/sagas', allowed: ALL, ok: 200, call: (_fx, c) => sagas.GET(apiRequest('GET', '/api/sagas', c)) },
  { route: 'GET /api/admin/users', allowed: ADMIN, ok: 200, call: (_fx, c) => users.GET(apiRequest('GET', '/api/admin/users', c)) },
  { route: 'GET /api/admin/tokens', allowed: ADMIN, ok: 200, call: (_fx, c) => tokens.GET(apiRequest('GET', '/api/admin/tokens', c)) },
  { route: 'GET /api/admin/settings', allowed: ADMIN, ok: 200, call: (_fx, c) => settings.GET(apiRequest('GET', '/api/admin/settings', c)) },
  { route: 'GET /api/admin/alerts', allowed: ADMIN, ok: 200, call: (_fx, c) => alertRules.GET(apiRequest('GET', '/api/admin/alerts', c)) },
  {
    route: 'GET /api/admin/alerts/deliveries',
    allowed: ADMIN,
    ok: 200,
    call: (_fx, c) => alertDeliveries.GET(apiRequest('GET', '/api/admin/alerts/deliveries', c)),
  },
  { route: 'GET /api/audit', allowed: AUDIT, ok: 200, call: (_fx, c) => audit.GET(apiRequest('GET', '/api/audit', c)) },
  { route: 'GET /api/audit/verify', allowed: AUDIT, ok: 200, call: (_fx, c) => auditVerify.GET(apiRequest('GET', '/api/audit/verify', c)) },
  {
    route: 'GET /api/export',
    allowed: AUDIT,
    ok: 200,
    async call(_fx, c) {
      const res = await exportRoute.GET(apiRequest('GET', '/api/export?kind=sagas&format=csv', c));
      if (!res.ok) return res;
      // Drain (the export finishes and is audited), then hand back a response the matrix can read.
      await res.text();
      return new Response(null, { status: res.status, headers: { 'content-type': 'text/csv' } });
    },
  },
];

function expected(rc: RouteCase, who: Caller): { status: number; code?: string } {
  const mutating = ROUTE_RULES[rc.route].mutating;
  if (who.kind === 'revoked-token') return { status: 401, code: 'invalid_token' };
  if (rc.allowed === 'public') return { status: rc.ok };
  if (who.kind === 'anonymous') return { status: 401, code: 'unauthenticated' };
  if (who.kind === 'session' && !who.csrf && mutating) return { status: 403, code: 'csrf' };
  if (!rc.allowed.includes(who.role)) return { status: 403, code: 'forbidden' };
  return { status: who.kind === 'token' ? (rc.tokenOk ?? rc.ok) : rc.ok };
}

let fx: Fixture;
let started: TestEnv | undefined;

async function credentialsFor(who: Caller): Promise<Credentials> {
  switch (who.kind) {
    case 'anonymous':
      return {};
    case 'revoked-token':
      return { bearer: fx.revoked };
    case 'token':
      return { bearer: fx.tokens[who.role] };
    case 'session': {
      // A fresh session per call: logout and password changes must not affect the next case.
      const s = await signIn(login.POST, userName(who.role), PASSWORD);
      return who.csrf ? s : { cookie: s.cookie };
    }
  }
}

beforeAll(async () => {
  const env = (started = await startTestEnv());
  setSharedDb(env.db);
  const made = {} as Record<Role, string>;
  for (const role of ROLES) {
    await createUser(env.db, SYSTEM, { name: userName(role), role, password: PASSWORD });
    made[role] = (await createToken(env.db, SYSTEM, { name: `it ${role}`, role })).token;
  }
  const target = await createUser(env.db, SYSTEM, { name: 'it-target', role: 'viewer', password: PASSWORD });
  const revoked = await createToken(env.db, SYSTEM, { name: 'it revoked', role: 'admin' });
  await revokeToken(env.db, SYSTEM, revoked.record.id);
  const sagaId = `rbac-failed-${Date.now().toString(36)}`;
  await sendSpans(env.httpUrl, failedSagaSpans({ id: sagaId, participant: 'http://participant.invalid' }));
  const rule = await createAlertRule(env.db, SYSTEM, alertRuleInputSchema.parse(alertRuleBody('rbac rule')));
  fx = { env, targetUserId: target.ok ? target.user.id : '', tokens: made, revoked: revoked.token, seq: 0, sagaId, alertRuleId: rule.rule.id };
});

afterAll(async () => {
  // Also when the fixture setup failed half-way: the scratch database is dropped.
  await started?.close();
  if (previousAlertHosts === undefined) delete process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS;
  else process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS = previousAlertHosts;
});

describe('the table covers every route', () => {
  it('lists every mutating handler under app/api, and every handler guards with its own rule', async () => {
    const root = path.resolve(__dirname, '../../app/api');
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(dir, e.name));
        else if (e.name === 'route.ts') files.push(path.join(dir, e.name));
      }
    };
    await walk(root);
    const mutating: string[] = [];
    for (const file of files) {
      const source = await readFile(file, 'utf8');
      const route = '/api/' + path.relative(root, path.dirname(file)).split(path.sep).join('/');
      const handlers = [...source.matchAll(/export (?:async function|const) (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
      for (const method of handlers) {
        const key = `${method} ${route}`;
        if (key === 'GET /api/health') continue; // the probe is public on purpose
        expect(ROUTE_RULES, `${key} has no rule in lib/auth/routes.ts`).toHaveProperty([key]);
        // The wrapper (app/api/_lib/route.ts) guards with the rule of the key it is given, before anything else.
        expect(source, `${key} must be wrapped: export const ${method} = route('${key}', …)`).toMatch(new RegExp(`export const ${method} = route\\(\\s*'${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`));
        if (method !== 'GET') mutating.push(key);
      }
      if (!file.endsWith(path.join('health', 'route.ts'))) {
        expect(source, `${route}: handlers are wrapped, not written out`).not.toMatch(/export async function (GET|POST|PUT|PATCH|DELETE)\b/);
      }
    }
    const tabled = ROUTES.map((r) => r.route as string);
    for (const key of mutating) expect(tabled, `${key} is missing from the RBAC table`).toContain(key);
    expect(mutating.length).toBeGreaterThanOrEqual(11);
  });
});

describe('RBAC × route matrix', () => {
  for (const rc of ROUTES) {
    const callers = ROUTE_RULES[rc.route].mutating ? CALLERS : CALLERS.filter((c) => c.kind !== 'session' || c.csrf);
    for (const who of callers) {
      const want = expected(rc, who);
      it(`${rc.route} · ${label(who)} → ${want.status}${want.code ? ` ${want.code}` : ''}`, async () => {
        const res = await rc.call(fx, await credentialsFor(who));
        const body = res.headers.get('content-type')?.includes('json') ? ((await res.json()) as { code?: string; error?: string }) : null;
        expect(res.status, JSON.stringify(body)).toBe(want.status);
        if (want.code) expect(body?.code).toBe(want.code);
      });
    }
  }

  it('refuses a browser session from another origin even with its CSRF token', async () => {
    const s = await signIn(login.POST, userName('admin'), PASSWORD);
    const res = await users.POST(apiRequest('POST', '/api/admin/users', { ...s, origin: 'http://evil.example', body: { name: 'x-origin', role: 'viewer', password: PASSWORD } }));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('csrf');
    const cross = await login.POST(apiRequest('POST', '/api/auth/login', { origin: 'http://evil.example', body: { name: userName('viewer'), password: PASSWORD } }));
    expect(cross.status).toBe(403);
  });

  it('records refusals of signed-in callers in the audit trail', async () => {
    const denied = await listAudit(fx.env.db, { action: 'access.denied', limit: 500 });
    expect(denied.items.length).toBeGreaterThan(0);
    expect(denied.items.some((e) => e.actor === userName('viewer') && (e.request as { code: string }).code === 'forbidden')).toBe(true);
    expect(denied.items.some((e) => e.actor === userName('admin') && (e.request as { code: string }).code === 'csrf')).toBe(true);
  });
});

describe('read-only mode (switched on at runtime)', () => {
  beforeAll(async () => {
    await updateRuntimeSettings(fx.env.db, SYSTEM, { readOnly: true });
  });
  afterAll(async () => {
    await updateRuntimeSettings(fx.env.db, SYSTEM, { readOnly: false });
  });

  // Login and logout stay open; the settings route stays open so an admin can switch the mode off again.
  const OPEN = new Set(['POST /api/auth/login', 'POST /api/auth/logout', 'PUT /api/admin/settings']);
  for (const rc of ROUTES.filter((r) => ROUTE_RULES[r.route].mutating)) {
    const open = OPEN.has(rc.route);
    it(`${rc.route} · admin session with CSRF token → ${open ? rc.ok : '403 read_only'}`, async () => {
      const res = await rc.call(fx, await credentialsFor({ kind: 'session', role: 'admin', csrf: true }));
      if (open) expect(res.status).toBe(rc.ok);
      else {
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('read_only');
      }
    });
  }

  it('reads and exports keep working', async () => {
    expect((await sagas.GET(apiRequest('GET', '/api/sagas', { bearer: fx.tokens.viewer }))).status).toBe(200);
    const exp = await exportRoute.GET(apiRequest('GET', '/api/export?kind=audit&format=ndjson', { bearer: fx.tokens.auditor }));
    expect(exp.status).toBe(200);
    await exp.text();
  });
});
