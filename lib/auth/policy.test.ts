import { describe, expect, it } from 'vitest';
import { decide, type AccessFacts, type CsrfVerdict } from './policy';
import { ROLES, roleCan, type Role } from './roles';
import type { Principal } from './principal';
import type { RouteRule } from './routes';

const user = (role: Role): Principal => ({ kind: 'user', userId: 'u', name: 'n', role, sessionHash: 'h', csrfToken: 'c', sessionExpiresAt: '' });
const token = (role: Role): Principal => ({ kind: 'token', tokenId: 't', name: 'n', role });
const anon = (readAccess: boolean): Principal => ({ kind: 'anonymous', readAccess });

const facts = (principal: Principal, rule: RouteRule, o: Partial<AccessFacts> = {}): AccessFacts => ({
  principal,
  rule,
  csrf: 'ok',
  readOnlyEnv: false,
  readOnlySetting: false,
  ...o,
});

const read: RouteRule = { permission: 'read', mutating: false };
const admin: RouteRule = { permission: 'admin', mutating: true };
const login: RouteRule = { permission: 'public', mutating: true, readOnly: 'exempt' };
const settings: RouteRule = { permission: 'admin', mutating: true, readOnly: 'env-only' };

describe('roles', () => {
  it('grant what DESIGN.md §6 says', () => {
    expect(ROLES.filter((r) => roleCan(r, 'act'))).toEqual(['operator', 'admin']);
    expect(ROLES.filter((r) => roleCan(r, 'export'))).toEqual(['auditor', 'admin']);
    expect(ROLES.filter((r) => roleCan(r, 'audit'))).toEqual(['auditor', 'admin']);
    expect(ROLES.filter((r) => roleCan(r, 'admin'))).toEqual(['admin']);
    expect(ROLES.every((r) => roleCan(r, 'read'))).toBe(true);
  });
});

describe('decide', () => {
  it('lets anonymous callers read only when anonymous reading is allowed', () => {
    expect(decide(facts(anon(true), read))).toEqual({ allow: true });
    expect(decide(facts(anon(false), read))).toMatchObject({ allow: false, status: 401, code: 'unauthenticated' });
    expect(decide(facts(anon(true), admin))).toMatchObject({ allow: false, status: 401 });
    expect(decide(facts(anon(true), { permission: 'export', mutating: false }))).toMatchObject({ allow: false, status: 401 });
  });

  it('requires a valid CSRF verdict from browser sessions on mutating routes, not from tokens', () => {
    for (const csrf of ['missing', 'mismatch', 'cross-origin'] as CsrfVerdict[]) {
      expect(decide(facts(user('admin'), admin, { csrf }))).toMatchObject({ allow: false, status: 403, code: 'csrf' });
    }
    expect(decide(facts(user('admin'), admin))).toEqual({ allow: true });
    expect(decide(facts(user('viewer'), read, { csrf: 'missing' }))).toEqual({ allow: true });
    expect(decide(facts(token('admin'), admin, { csrf: 'missing' }))).toEqual({ allow: true });
  });

  it('refuses a role without the permission with 403 naming the roles that have it', () => {
    const d = decide(facts(user('operator'), admin));
    expect(d).toMatchObject({ allow: false, status: 403, code: 'forbidden' });
    expect(!d.allow && d.message).toContain('admin role');
    expect(decide(facts(token('auditor'), { permission: 'export', mutating: false }))).toEqual({ allow: true });
  });

  it('public mutating routes only refuse cross-origin requests', () => {
    expect(decide(facts(anon(false), login))).toEqual({ allow: true });
    expect(decide(facts(anon(false), login, { csrf: 'cross-origin' }))).toMatchObject({ status: 403, code: 'csrf' });
    expect(decide(facts(user('viewer'), login, { csrf: 'missing' }))).toEqual({ allow: true });
  });

  it('read-only mode refuses mutations except the exempt ones; the settings route only when pinned by env', () => {
    expect(decide(facts(user('admin'), admin, { readOnlySetting: true }))).toMatchObject({ status: 403, code: 'read_only' });
    expect(decide(facts(user('admin'), admin, { readOnlyEnv: true }))).toMatchObject({ status: 403, code: 'read_only' });
    expect(decide(facts(anon(false), login, { readOnlyEnv: true }))).toEqual({ allow: true });
    expect(decide(facts(user('admin'), settings, { readOnlySetting: true }))).toEqual({ allow: true });
    expect(decide(facts(user('admin'), settings, { readOnlyEnv: true }))).toMatchObject({ code: 'read_only' });
    expect(decide(facts(user('viewer'), read, { readOnlyEnv: true }))).toEqual({ allow: true });
  });

  it('checks identity before CSRF and CSRF before the role', () => {
    expect(decide(facts(anon(false), admin, { csrf: 'missing' }))).toMatchObject({ status: 401 });
    expect(decide(facts(user('viewer'), admin, { csrf: 'missing' }))).toMatchObject({ code: 'csrf' });
  });
});
