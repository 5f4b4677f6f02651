/**
 * The one authorisation entry point of every API route:
 *
 *   const access = await guard(request, 'POST /api/admin/users');
 *   if (!access.ok) return access.response;
 *   // access.principal, access.db, access.settings
 *
 * It authenticates (bearer token or session cookie), evaluates CSRF for
 * mutating routes, reads the read-only switches and applies the route's rule
 * from routes.ts through the pure policy (policy.ts). Refusals of signed-in
 * callers on mutating routes are recorded in the audit trail.
 */
import type { Db } from '../db/connection';
import { getDb } from '../db';
import { loadConfig } from '../config/env';
import { appendAudit } from '../audit/store';
import { log, errorFields } from '../log';
import { internalError } from '../http/internal-error';
import { authenticate } from './authenticate';
import { authSettingsFrom, type AuthSettings } from './settings';
import { CSRF_HEADER } from './cookies';
import { csrfVerdict } from './csrf';
import { isHttps, type OriginFacts } from './origin';
import { auditActorOf, type Principal } from './principal';
import { forwardedFacts, type ForwardedFacts } from '../http/forwarded';
import { decide, type CsrfVerdict, type DenyCode } from './policy';
import { routeRule, type RouteKey } from './routes';
import { readRuntimeSettings } from './accounts';

export type { AuthSettings };

export function currentAuthSettings(): AuthSettings {
  return authSettingsFrom(loadConfig());
}

export interface Access {
  principal: Principal;
  db: Db;
  settings: AuthSettings;
  /** Set Secure on cookies this response sets. */
  secureCookies: boolean;
  /** The client's address (X-Forwarded-For only from trusted proxies), for the login throttle and the trail. */
  client: string;
}

export type GuardResult = ({ ok: true } & Access) | { ok: false; response: Response };

export function forwardedFactsOf(request: Request, settings: AuthSettings): ForwardedFacts {
  return forwardedFacts((name) => request.headers.get(name), settings.trustedProxies);
}

/** X-Forwarded-Host counts only from a trusted proxy (lib/http/forwarded.ts). */
export function originFactsOf(request: Request, settings: AuthSettings, forwarded: ForwardedFacts = forwardedFactsOf(request, settings)): OriginFacts {
  return {
    origin: request.headers.get('origin'),
    secFetchSite: request.headers.get('sec-fetch-site'),
    host: forwarded.host,
    publicOrigin: settings.publicOrigin,
  };
}

export function denied(status: number, code: DenyCode | 'bad_request' | 'invalid_token', message: string): Response {
  const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="sagascope"';
  return Response.json({ error: message, code }, { status, headers });
}

export async function guard(request: Request, key: RouteKey): Promise<GuardResult> {
  try {
    return await check(request, key);
  } catch (err) {
    // Database down or a bug: the same opaque 500 as the routes' own.
    return { ok: false, response: internalError(key, err, 'authorisation failed') };
  }
}

async function check(request: Request, key: RouteKey): Promise<GuardResult> {
  const settings = currentAuthSettings();
  const db = await getDb();
  const rule = routeRule(key);
  const auth = await authenticate(db, { authorization: request.headers.get('authorization'), cookie: request.headers.get('cookie') }, settings.mode);
  if (!auth.ok) return { ok: false, response: denied(401, 'invalid_token', auth.message) };
  const principal = auth.principal;
  const forwarded = forwardedFactsOf(request, settings);
  const csrf: CsrfVerdict = rule.mutating ? csrfVerdict(principal, originFactsOf(request, settings, forwarded), request.headers.get(CSRF_HEADER)) : 'ok';
  const readOnlySetting = rule.mutating ? (await readRuntimeSettings(db)).readOnly : false;
  const decision = decide({ principal, rule, csrf, readOnlyEnv: settings.readOnlyEnv, readOnlySetting });
  if (!decision.allow) {
    if (rule.mutating && principal.kind !== 'anonymous') {
      try {
        await appendAudit(db, { ...auditActorOf(principal), action: 'access.denied', outcome: 'denied', reason: decision.message, request: { route: key, code: decision.code } });
      } catch (err) {
        log.warn('could not record a refused request in the audit trail', errorFields(err));
      }
    }
    return { ok: false, response: denied(decision.status, decision.code, decision.message) };
  }
  const secureCookies = isHttps(request.url, forwarded.proto, settings.publicOrigin);
  return { ok: true, principal, db, settings, secureCookies, client: forwarded.client };
}

/** Read-only mode as the UI shows it. */
export async function readOnlyState(db: Db, settings: AuthSettings): Promise<{ active: boolean; pinnedByEnv: boolean; runtime: boolean }> {
  const runtime = (await readRuntimeSettings(db)).readOnly;
  return { active: settings.readOnlyEnv || runtime, pinnedByEnv: settings.readOnlyEnv, runtime };
}
