/**
 * CSRF verdict of a mutating request. Bearer-token requests are exempt (a
 * browser never attaches them on its own). Browser sessions need both a
 * same-origin request (Origin / Sec-Fetch-Site) and the X-CSRF-Token header equal
 * to the session's derived token (double submit of the readable CSRF cookie,
 * bound to the session so a planted cookie is useless). Requests without a
 * session (login, setup) get the origin check.
 */
import type { Principal } from './principal';
import type { CsrfVerdict } from './policy';
import { originVerdict, type OriginFacts } from './origin';
import { safeEqual } from './secrets';

export function csrfVerdict(principal: Principal, origin: OriginFacts, headerToken: string | null): CsrfVerdict {
  if (principal.kind === 'token') return 'ok';
  if (originVerdict(origin) === 'cross-origin') return 'cross-origin';
  if (principal.kind === 'anonymous') return 'ok';
  if (!headerToken) return 'missing';
  return safeEqual(headerToken, principal.csrfToken) ? 'ok' : 'mismatch';
}
