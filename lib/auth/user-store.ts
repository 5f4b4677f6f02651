/** Users, sessions, API tokens and settings (tables users, sessions, api_tokens, settings). */
import type { Sql } from '../db/connection';
import type { Role } from './roles';
import type { ApiTokenJson, UserJson } from './account-types';
import { advisoryXactLock } from '../db/locks';

const iso = (v: Date | string | null): string | null => (v === null ? null : (v instanceof Date ? v : new Date(v)).toISOString());

export type UserRecord = UserJson;

interface UserRow {
  id: string;
  name: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  last_login_at: Date | null;
  password_hash?: string;
}

const USER_COLUMNS = 'id::text AS id, name, role::text AS role, disabled, created_at, updated_at, last_login_at';

function toUser(r: UserRow): UserRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    disabled: r.disabled,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    lastLoginAt: iso(r.last_login_at),
  };
}

export async function lockUsers(tx: Sql): Promise<void> {
  // Serialises changes to users, so "at least one active admin remains" holds under concurrency.
  await advisoryXactLock(tx, 'users');
}

export async function insertUser(
  tx: Sql,
  u: { id: string; name: string; role: Role; passwordHash: string; now: Date },
): Promise<UserRecord> {
  const [row] = await tx.query<UserRow>(
    `INSERT INTO users (id, name, role, password_hash, disabled, created_at, updated_at)
     VALUES ($1::uuid, $2, $3::"Role", $4, false, $5, $5) RETURNING ${USER_COLUMNS}`,
    [u.id, u.name, u.role, u.passwordHash, u.now.toISOString()],
  );
  return toUser(row!);
}

export async function findUserByName(db: Sql, name: string): Promise<(UserRecord & { passwordHash: string }) | null> {
  const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE name = $1`, [name]);
  return row ? { ...toUser(row), passwordHash: row.password_hash! } : null;
}

export async function findUserById(db: Sql, id: string): Promise<UserRecord | null> {
  const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1::uuid`, [id]);
  return row ? toUser(row) : null;
}

export async function listUsers(db: Sql): Promise<UserRecord[]> {
  return (await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)).map(toUser);
}

export async function anyUserExists(db: Sql): Promise<boolean> {
  const [row] = await db.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM users) AS exists');
  return Boolean(row?.exists);
}

export async function countActiveAdmins(db: Sql): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled`);
  return row?.n ?? 0;
}

export async function updateUser(
  tx: Sql,
  id: string,
  change: { role?: Role; disabled?: boolean; passwordHash?: string },
  now: Date,
): Promise<UserRecord | null> {
  const sets: string[] = [];
  const params: unknown[] = [id, now.toISOString()];
  if (change.role !== undefined) {
    params.push(change.role);
    sets.push(`role = $${params.length}::"Role"`);
  }
  if (change.disabled !== undefined) {
    params.push(change.disabled);
    sets.push(`disabled = $${params.length}`);
  }
  if (change.passwordHash !== undefined) {
    params.push(change.passwordHash);
    sets.push(`password_hash = $${params.length}`);
  }
  const [row] = await tx.query<UserRow>(
    `UPDATE users SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1::uuid RETURNING ${USER_COLUMNS}`,
    params,
  );
  return row ? toUser(row) : null;
}

export async function recordLogin(tx: Sql, id: string, now: Date, passwordHash?: string): Promise<void> {
  if (passwordHash) await tx.query('UPDATE users SET last_login_at = $2, password_hash = $3 WHERE id = $1::uuid', [id, now.toISOString(), passwordHash]);
  else await tx.query('UPDATE users SET last_login_at = $2 WHERE id = $1::uuid', [id, now.toISOString()]);
}

// --- sessions ----------------------------------------------------------------

export interface SessionUser {
  userId: string;
  name: string;
  role: Role;
  expiresAt: string;
}

export async function insertSession(
  tx: Sql,
  s: { tokenHash: string; userId: string; now: Date; expiresAt: Date; userAgent: string | null },
): Promise<void> {
  await tx.query(
    `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, user_agent)
     VALUES ($1, $2::uuid, $3, $4, $3, $5)`,
    [s.tokenHash, s.userId, s.now.toISOString(), s.expiresAt.toISOString(), s.userAgent],
  );
}

/** The signed-in user of a live session (not expired, user not disabled). Marks it seen (at most once a minute). */
export async function findSessionUser(db: Sql, tokenHash: string, now: Date): Promise<SessionUser | null> {
  const [row] = await db.query<{ user_id: string; name: string; role: Role; expires_at: Date; last_seen_at: Date }>(
    `SELECT u.id::text AS user_id, u.name, u.role::text AS role, s.expires_at, s.last_seen_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`,
    [tokenHash, now.toISOString()],
  );
  if (!row) return null;
  if (now.getTime() - new Date(row.last_seen_at).getTime() > 60_000) {
    await db.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1', [tokenHash, now.toISOString()]);
  }
  return { userId: row.user_id, name: row.name, role: row.role, expiresAt: iso(row.expires_at)! };
}

export async function deleteSession(db: Sql, tokenHash: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM sessions WHERE token_hash = $1 RETURNING 1', [tokenHash]);
  return rows.length > 0;
}

export async function deleteUserSessions(db: Sql, userId: string, exceptTokenHash: string | null = null): Promise<number> {
  const rows = await db.query('DELETE FROM sessions WHERE user_id = $1::uuid AND token_hash IS DISTINCT FROM $2 RETURNING 1', [
    userId,
    exceptTokenHash,
  ]);
  return rows.length;
}

export async function deleteExpiredSessions(db: Sql, now: Date): Promise<number> {
  return (await db.query('DELETE FROM sessions WHERE expires_at <= $1 RETURNING 1', [now.toISOString()])).length;
}

// --- API tokens --------------------------------------------------------------

export type ApiTokenRecord = ApiTokenJson;

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  last_used_at: Date | null;
}

const TOKEN_COLUMNS =
  'id::text AS id, name, role::text AS role, prefix, created_by, created_at, expires_at, revoked_at, revoked_by, last_used_at';

function toToken(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    createdBy: r.created_by,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    revokedBy: r.revoked_by,
    lastUsedAt: iso(r.last_used_at),
  };
}

export async function insertApiToken(
  tx: Sql,
  t: { id: string; name: string; role: Role; tokenHash: string; prefix: string; createdBy: string; now: Date; expiresAt: Date | null },
): Promise<ApiTokenRecord> {
  const [row] = await tx.query<TokenRow>(
    `INSERT INTO api_tokens (id, name, role, token_hash, prefix, created_by, created_at, expires_at)
     VALUES ($1::uuid, $2, $3::"Role", $4, $5, $6, $7, $8) RETURNING ${TOKEN_COLUMNS}`,
    [t.id, t.name, t.role, t.tokenHash, t.prefix, t.createdBy, t.now.toISOString(), t.expiresAt?.toISOString() ?? null],
  );
  return toToken(row!);
}

export async function listApiTokens(db: Sql): Promise<ApiTokenRecord[]> {
  return (await db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC`)).map(toToken);
}

export async function findApiTokenById(db: Sql, id: string): Promise<ApiTokenRecord | null> {
  const [row] = await db.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1::uuid`, [id]);
  return row ? toToken(row) : null;
}

/** A usable token by hash: not revoked, not expired. Marks it used (at most once a minute). */
export async function useApiToken(db: Sql, tokenHash: string, now: Date): Promise<ApiTokenRecord | null> {
  const [row] = await db.query<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
    [tokenHash, now.toISOString()],
  );
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1::uuid', [row.id, now.toISOString()]);
  }
  return toToken(row);
}

export async function revokeApiToken(tx: Sql, id: string, by: string, now: Date): Promise<ApiTokenRecord | null> {
  const [row] = await tx.query<TokenRow>(
    `UPDATE api_tokens SET revoked_at = $3, revoked_by = $2 WHERE id = $1::uuid AND revoked_at IS NULL RETURNING ${TOKEN_COLUMNS}`,
    [id, by, now.toISOString()],
  );
  return row ? toToken(row) : null;
}

// --- settings ----------------------------------------------------------------

export async function readSetting(db: Sql, key: string): Promise<unknown> {
  const [row] = await db.query<{ value: unknown }>('SELECT value FROM settings WHERE key = $1', [key]);
  return row?.value;
}

export async function writeSetting(tx: Sql, key: string, value: unknown, by: string, now: Date): Promise<void> {
  await tx.query(
    `INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, $3, $4)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [key, JSON.stringify(value), now.toISOString(), by],
  );
}

export async function deleteSetting(tx: Sql, key: string): Promise<void> {
  await tx.query('DELETE FROM settings WHERE key = $1', [key]);
}
