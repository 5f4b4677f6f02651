/**
 * Who is calling: a bearer API token, a session cookie, or nobody. Framework-free
 * (plain header values), used by route handlers through guard.ts and by server
 * components through app/_lib/auth.ts.
 */
import type { Sql } from '../db/connection';
import { anyUserExists, findSessionUser, useApiToken } from './user-store';
import type { Principal } from './principal';
import { SESSION_COOKIE, parseCookies } from './cookies';
import { csrfTokenFor, looksLikeApiToken, looksLikeSessionToken, sha256Hex } from './secrets';

export type AuthMode = 'auto' | 'on' | 'off';

export interface AuthHeaders {
  authorization: string | null;
  cookie: string | null;
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; message: string };

// Users are never deleted, so once one exists `auto` mode stays on for this process.
let usersSeen = false;

/** Whether a caller with no session or token may read (ADR 0002). */
export async function anonymousReadAllowed(db: Sql, mode: AuthMode): Promise<boolean> {
  if (mode === 'off') return true;
  if (mode === 'on' || usersSeen) return false;
  usersSeen = await anyUserExists(db);
  return !usersSeen;
}

export async function authenticate(db: Sql, h: AuthHeaders, mode: AuthMode, now: Date = new Date()): Promise<AuthOutcome> {
  if (h.authorization !== null) {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h.authorization);
    if (!m) return { ok: false, message: 'Authorization header must be "Bearer <API token>"' };
    const token = m[1]!;
    const record = looksLikeApiToken(token) ? await useApiToken(db, sha256Hex(token), now) : null;
    if (!record) return { ok: false, message: 'invalid, expired or revoked API token' };
    return { ok: true, principal: { kind: 'token', tokenId: record.id, name: record.name, role: record.role } };
  }
  const sessionToken = parseCookies(h.cookie).get(SESSION_COOKIE);
  if (sessionToken && looksLikeSessionToken(sessionToken)) {
    const sessionHash = sha256Hex(sessionToken);
    const user = await findSessionUser(db, sessionHash, now);
    if (user) {
      return {
        ok: true,
        principal: {
          kind: 'user',
          userId: user.userId,
          name: user.name,
          role: user.role,
          sessionHash,
          csrfToken: csrfTokenFor(sessionToken),
          sessionExpiresAt: user.expiresAt,
        },
      };
    }
  }
  // An expired or unknown session cookie is the same as none: pages send the browser to /login.
  return { ok: true, principal: { kind: 'anonymous', readAccess: await anonymousReadAllowed(db, mode) } };
}
