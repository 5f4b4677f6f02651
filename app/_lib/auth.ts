/**
 * The pages' side of lib/auth: who is viewing, from the request's cookies, and
 * the page-level check every protected page calls first:
 *
 *   const viewer = await requirePage('audit', '/audit');
 *
 * Anonymous visitors go to /login (and come back), signed-in users without the
 * role to /forbidden. The data itself is also protected by the API routes'
 * guard; pages read through lib/db directly, so they must check here.
 */
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { getDb } from '@/lib/db';
import { authenticate } from '@/lib/auth/authenticate';
import { currentAuthSettings, readOnlyState } from '@/lib/auth/guard';
import { roleCan, type Permission } from '@/lib/auth/roles';
import type { Principal } from '@/lib/auth/principal';

export async function currentPrincipal(): Promise<Principal> {
  const h = await headers();
  const db = await getDb();
  // Pages are for browsers: only the session cookie counts (a bearer header is for the API).
  const auth = await authenticate(db, { authorization: null, cookie: h.get('cookie') }, currentAuthSettings().mode);
  return auth.ok ? auth.principal : { kind: 'anonymous', readAccess: false };
}

/** A local path to return to after signing in (never another site). */
export function safeNext(next: string | string[] | undefined): string {
  const v = Array.isArray(next) ? next[0] : next;
  return v && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/sagas';
}

export async function requirePage(permission: Permission, here: string): Promise<Principal> {
  const p = await currentPrincipal();
  if (p.kind === 'anonymous') {
    if (permission === 'read' && p.readAccess) return p;
    redirect(`/login?next=${encodeURIComponent(here)}`);
  }
  if (!roleCan(p.role, permission)) redirect(`/forbidden?need=${permission}`);
  return p;
}

export async function currentReadOnly(): Promise<{ active: boolean; pinnedByEnv: boolean; runtime: boolean }> {
  return readOnlyState(await getDb(), currentAuthSettings());
}

/** The path and query of the current page, for `requirePage`'s return trip. */
export function pathWithQuery(path: string, searchParams: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(searchParams)) {
    if (typeof v === 'string') q.set(k, v);
    else if (Array.isArray(v) && v[0] !== undefined) q.set(k, v[0]);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
