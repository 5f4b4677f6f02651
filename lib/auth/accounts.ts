/**
 * Account use cases — sign-in, sign-out, first admin, users, API tokens,
 * settings — each committed together with its audit entry (one transaction).
 * Inputs are already validated (schemas.ts); results are data or a refusal
 * with an HTTP-like status, never a thrown error for expected cases.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Sql } from '../db/connection';
import { appendAudit } from '../audit/store';
import {
  countActiveAdmins,
  deleteExpiredSessions,
  deleteSession,
  deleteSetting,
  deleteUserSessions,
  findApiTokenById,
  findUserById,
  findUserByName,
  insertApiToken,
  insertSession,
  insertUser,
  lockUsers,
  readSetting,
  recordLogin,
  revokeApiToken,
  updateUser,
  writeSetting,
  anyUserExists,
  type ApiTokenRecord,
  type UserRecord,
} from './user-store';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './password';
import { csrfTokenFor, newApiToken, randomSecret, safeEqual, sha256Hex } from './secrets';
import type { AuditActor, Principal, UserPrincipal } from './principal';
import type { Role } from './roles';
import type { ThrottleSettings } from './throttle';
import { claimLoginAttempt, pruneLoginThrottle, recordLoginSuccess } from './throttle-store';
import { loginCounters } from './login-metrics';
import { log, errorFields } from '../log';

export type Refusal = { ok: false; status: 400 | 401 | 403 | 404 | 409 | 429; error: string; retryAfterSeconds?: number };
const refuse = (status: Refusal['status'], error: string): Refusal => ({ ok: false, status, error });

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  maxAgeSeconds: number;
}

async function openSession(tx: Sql, userId: string, ttlMinutes: number, userAgent: string | null, now: Date): Promise<NewSession> {
  const token = randomSecret();
  const expiresAt = new Date(now.getTime() + ttlMinutes * 60_000);
  await insertSession(tx, { tokenHash: sha256Hex(token), userId, now, expiresAt, userAgent: userAgent?.slice(0, 300) ?? null });
  return { token, csrfToken: csrfTokenFor(token), expiresAt, maxAgeSeconds: ttlMinutes * 60 };
}

// --- sign-in / sign-out ------------------------------------------------------

export interface LoginInput {
  name: string;
  password: string;
  userAgent: string | null;
  ttlMinutes: number;
  /** The client's address (lib/http/forwarded.ts): the throttle counts per (name, address). */
  client: string;
  throttle: ThrottleSettings;
}

export type LoginResult = { ok: true; user: UserRecord; session: NewSession } | Refusal;

/** Stale throttle rows are pruned on every this-many-th attempt of this process (lib/auth/throttle-store.ts). */
const PRUNE_EVERY = 64;

/**
 * Checks the password (the same scrypt work whether or not the name exists),
 * opens a session and records the attempt. The attempt is counted first, in
 * PostgreSQL (lib/auth/throttle.ts has the rules): beyond the budget of this
 * name from this address it is refused with 429 before any password work, and
 * not recorded in the audit trail (which must not be floodable).
 */
export async function login(db: Db, input: LoginInput, now: Date = new Date()): Promise<LoginResult> {
  const name = input.name.trim().toLowerCase().slice(0, 200);
  if (++loginCounters.attempts % PRUNE_EVERY === 0) {
    await pruneLoginThrottle(db, now).catch((err) => log.warn('could not prune the login throttle', errorFields(err)));
  }
  const claim = await claimLoginAttempt(db, name, input.client, now, input.throttle);
  if (!claim.allow) {
    loginCounters.throttled++;
    const retryAfterSeconds = Math.max(1, Math.ceil(claim.retryAfterMs / 1000));
    const why = claim.by === 'address' ? 'too many failed sign-ins for this user from this address' : 'too many failed sign-ins for this user';
    return { ...refuse(429, `${why}; try again in ${retryAfterSeconds} s`), retryAfterSeconds };
  }
  const user = name ? await findUserByName(db, name) : null;
  loginCounters.passwordChecks++;
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? (await dummyPasswordHash()));
  const failure = !user ? 'unknown user' : !passwordOk ? 'wrong password' : user.disabled ? 'user disabled' : null;
  if (failure !== null || !user) {
    await appendAudit(db, {
      actor: name || '(empty)',
      role: user?.role ?? 'anonymous',
      via: 'password',
      action: 'auth.login',
      outcome: 'failed',
      reason: failure,
      request: { name, client: input.client, userAgent: input.userAgent?.slice(0, 300) ?? null },
    });
    // One message for every failure: no user enumeration.
    return refuse(401, 'wrong user name or password');
  }
  await recordLoginSuccess(db, name, input.client, now);
  const rehash = needsRehash(user.passwordHash) ? await hashPassword(input.password) : undefined;
  const session = await db.transaction(async (tx) => {
    await deleteExpiredSessions(tx, now);
    const s = await openSession(tx, user.id, input.ttlMinutes, input.userAgent, now);
    await recordLogin(tx, user.id, now, rehash);
    await appendAudit(tx, {
      actor: user.name,
      role: user.role,
      via: 'password',
      action: 'auth.login',
      outcome: 'ok',
      request: { name, client: input.client, userAgent: input.userAgent?.slice(0, 300) ?? null },
      result: { sessionExpiresAt: s.expiresAt.toISOString() },
    });
    return s;
  });
  const { passwordHash: _omit, ...record } = user;
  return { ok: true, user: record, session };
}

export async function logout(db: Db, principal: Principal): Promise<void> {
  if (principal.kind !== 'user') return;
  await db.transaction(async (tx) => {
    const ended = await deleteSession(tx, principal.sessionHash);
    if (ended) await appendAudit(tx, { actor: principal.name, role: principal.role, via: 'session', action: 'auth.logout', outcome: 'ok' });
  });
}

export async function changeOwnPassword(
  db: Db,
  principal: UserPrincipal,
  currentPassword: string,
  newPassword: string,
  now: Date = new Date(),
): Promise<{ ok: true } | Refusal> {
  const user = await findUserByName(db, principal.name);
  if (!user || !(await verifyPassword(currentPassword, user.passwordHash))) {
    await appendAudit(db, { actor: principal.name, role: principal.role, via: 'session', action: 'auth.password', outcome: 'failed', reason: 'wrong current password' });
    return refuse(403, 'the current password is wrong');
  }
  const passwordHash = await hashPassword(newPassword);
  await db.transaction(async (tx) => {
    await updateUser(tx, user.id, { passwordHash }, now);
    // Other sessions of this user end; this one stays.
    const ended = await deleteUserSessions(tx, user.id, principal.sessionHash);
    await appendAudit(tx, { actor: principal.name, role: principal.role, via: 'session', action: 'auth.password', outcome: 'ok', result: { otherSessionsEnded: ended } });
  });
  return { ok: true };
}

// --- first admin -------------------------------------------------------------

const SETUP_KEY = 'setup_token';

/**
 * At start with no user yet: a one-time setup token (SAGASCOPE_SETUP_TOKEN, or a
 * random one) whose hash is stored; `/setup` exchanges it for the first admin.
 * Returns null once a user exists (and forgets any old token).
 */
export async function ensureSetupToken(db: Db, fromEnv: string | undefined, now: Date = new Date()): Promise<{ token: string; fromEnv: boolean } | null> {
  return db.transaction(async (tx) => {
    await lockUsers(tx);
    if (await anyUserExists(tx)) {
      await deleteSetting(tx, SETUP_KEY);
      return null;
    }
    const token = fromEnv ?? randomSecret();
    await writeSetting(tx, SETUP_KEY, { sha256: sha256Hex(token) }, 'system', now);
    return { token, fromEnv: fromEnv !== undefined };
  });
}

export type SetupResult = { ok: true; user: UserRecord; session: NewSession } | Refusal;

export async function setupFirstAdmin(
  db: Db,
  input: { token: string; name: string; password: string; userAgent: string | null; ttlMinutes: number },
  now: Date = new Date(),
): Promise<SetupResult> {
  const tokenMatches = async (sql: Sql) => {
    const stored = (await readSetting(sql, SETUP_KEY)) as { sha256?: unknown } | undefined;
    return typeof stored?.sha256 === 'string' && safeEqual(sha256Hex(input.token), stored.sha256);
  };
  // Cheap checks first: a wrong token or a finished setup costs no scrypt work.
  const precheck = (await anyUserExists(db)) ? 'an admin already exists; sign in instead' : (await tokenMatches(db)) ? null : 'invalid setup token';
  const passwordHash = precheck === null ? await hashPassword(input.password) : '';
  const outcome = await db.transaction(async (tx): Promise<SetupResult | { failed: string; status: Refusal['status'] }> => {
    await lockUsers(tx);
    // Again under the lock: two concurrent setups must not both succeed.
    if (await anyUserExists(tx)) return { failed: 'an admin already exists; sign in instead', status: 409 };
    if (precheck !== null || !(await tokenMatches(tx))) return { failed: 'invalid setup token', status: 403 };
    const user = await insertUser(tx, { id: randomUUID(), name: input.name, role: 'admin', passwordHash, now });
    await deleteSetting(tx, SETUP_KEY);
    const session = await openSession(tx, user.id, input.ttlMinutes, input.userAgent, now);
    await appendAudit(tx, {
      actor: user.name,
      role: 'admin',
      via: 'setup',
      action: 'user.create',
      outcome: 'ok',
      reason: 'first admin, created with the setup token',
      request: { name: user.name, role: 'admin' },
      result: { userId: user.id },
    });
    return { ok: true, user, session };
  });
  if ('failed' in outcome) {
    await appendAudit(db, { actor: input.name, role: 'anonymous', via: 'setup', action: 'user.create', outcome: 'failed', reason: outcome.failed, request: { name: input.name, role: 'admin' } });
    return refuse(outcome.status, outcome.failed);
  }
  return outcome;
}

// --- users -------------------------------------------------------------------

export type UserResult = { ok: true; user: UserRecord } | Refusal;

export async function createUser(
  db: Db,
  by: AuditActor,
  input: { name: string; role: Role; password: string },
  now: Date = new Date(),
): Promise<UserResult> {
  const passwordHash = await hashPassword(input.password);
  const created = await db.transaction(async (tx) => {
    await lockUsers(tx);
    if (await findUserByName(tx, input.name)) return null;
    const user = await insertUser(tx, { id: randomUUID(), name: input.name, role: input.role, passwordHash, now });
    await appendAudit(tx, { ...by, action: 'user.create', outcome: 'ok', request: { name: user.name, role: user.role }, result: { userId: user.id } });
    return user;
  });
  return created ? { ok: true, user: created } : refuse(409, `a user named ${input.name} already exists`);
}

/**
 * Role, disabled flag or password of a user. Disabling, demoting or resetting
 * the password ends the user's sessions. The last active admin cannot be
 * disabled or demoted.
 */
export async function updateUserAccount(
  db: Db,
  by: AuditActor,
  id: string,
  change: { role?: Role; disabled?: boolean; password?: string },
  now: Date = new Date(),
): Promise<UserResult> {
  const passwordHash = change.password !== undefined ? await hashPassword(change.password) : undefined;
  return db.transaction(async (tx): Promise<UserResult> => {
    await lockUsers(tx);
    const before = await findUserById(tx, id);
    if (!before) return refuse(404, 'no such user');
    const losesAdmin = before.role === 'admin' && !before.disabled && ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
    if (losesAdmin && (await countActiveAdmins(tx)) <= 1) return refuse(409, 'this is the last active admin: make another admin first');
    const user = (await updateUser(tx, id, { role: change.role, disabled: change.disabled, passwordHash }, now))!;
    const endsSessions = change.disabled === true || passwordHash !== undefined || (change.role !== undefined && change.role !== before.role);
    const sessionsEnded = endsSessions ? await deleteUserSessions(tx, id) : 0;
    await appendAudit(tx, {
      ...by,
      action: 'user.update',
      outcome: 'ok',
      request: {
        userId: id,
        name: before.name,
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
        ...(passwordHash !== undefined ? { passwordReset: true } : {}),
      },
      result: { before: { role: before.role, disabled: before.disabled }, after: { role: user.role, disabled: user.disabled }, sessionsEnded },
    });
    return { ok: true, user };
  });
}

/** CLI: create a user, or (resetPassword) set an existing user's password and enable it. */
export async function upsertUserFromCli(
  db: Db,
  by: AuditActor,
  input: { name: string; role: Role; password: string; resetPassword: boolean },
  now: Date = new Date(),
): Promise<UserResult> {
  const existing = await findUserByName(db, input.name);
  if (!existing) return createUser(db, by, input, now);
  if (!input.resetPassword) return refuse(409, `a user named ${input.name} already exists (use --reset-password to set a new password)`);
  return updateUserAccount(db, by, existing.id, { password: input.password, disabled: false, role: input.role }, now);
}

// --- API tokens ----------------------------------------------------------------

export async function createToken(
  db: Db,
  by: AuditActor,
  input: { name: string; role: Role; expiresInDays?: number | null },
  now: Date = new Date(),
): Promise<{ ok: true; token: string; record: ApiTokenRecord }> {
  const { token, hash, prefix } = newApiToken();
  const expiresAt = input.expiresInDays ? new Date(now.getTime() + input.expiresInDays * 86_400_000) : null;
  const record = await db.transaction(async (tx) => {
    const r = await insertApiToken(tx, { id: randomUUID(), name: input.name, role: input.role, tokenHash: hash, prefix, createdBy: by.actor, now, expiresAt });
    await appendAudit(tx, {
      ...by,
      action: 'token.create',
      outcome: 'ok',
      request: { name: r.name, role: r.role, expiresAt: r.expiresAt },
      result: { tokenId: r.id, prefix: r.prefix },
    });
    return r;
  });
  return { ok: true, token, record };
}

export async function revokeToken(db: Db, by: AuditActor, id: string, now: Date = new Date()): Promise<{ ok: true; record: ApiTokenRecord } | Refusal> {
  return db.transaction(async (tx) => {
    const record = await revokeApiToken(tx, id, by.actor, now);
    if (!record) {
      const existing = await findApiTokenById(tx, id);
      return existing ? refuse(409, 'the token is already revoked') : refuse(404, 'no such token');
    }
    await appendAudit(tx, { ...by, action: 'token.revoke', outcome: 'ok', request: { tokenId: id, name: record.name, role: record.role } });
    return { ok: true as const, record };
  });
}

// --- settings ----------------------------------------------------------------

const READ_ONLY_KEY = 'read_only';

export interface RuntimeSettings {
  /** Switched on by an admin at runtime (the environment can also pin it). */
  readOnly: boolean;
}

export async function readRuntimeSettings(db: Sql): Promise<RuntimeSettings> {
  return { readOnly: (await readSetting(db, READ_ONLY_KEY)) === true };
}

export async function updateRuntimeSettings(db: Db, by: AuditActor, next: RuntimeSettings, now: Date = new Date()): Promise<RuntimeSettings> {
  return db.transaction(async (tx) => {
    const before = await readRuntimeSettings(tx);
    await writeSetting(tx, READ_ONLY_KEY, next.readOnly, by.actor, now);
    await appendAudit(tx, { ...by, action: 'setting.update', outcome: 'ok', request: { readOnly: next.readOnly }, result: { before } });
    return next;
  });
}
