/**
 * The authorisation decision, pure: a principal, a route's rule and the facts
 * about the request in, allow or a status with a reason out. Order: identity
 * (401), CSRF (403 csrf), role (403 forbidden), read-only mode (403 read_only).
 */
import { roleCan, rolesWith } from './roles';
import type { Principal } from './principal';
import type { RouteRule } from './routes';

/** CSRF evaluation of a mutating request (lib/auth/csrf.ts). */
export type CsrfVerdict = 'ok' | 'missing' | 'mismatch' | 'cross-origin';

export interface AccessFacts {
  principal: Principal;
  rule: RouteRule;
  /** Ignored for non-mutating routes. */
  csrf: CsrfVerdict;
  /** SAGASCOPE_READ_ONLY pins read-only mode. */
  readOnlyEnv: boolean;
  /** An admin switched read-only mode on at runtime (settings). */
  readOnlySetting: boolean;
}

export type DenyCode = 'unauthenticated' | 'csrf' | 'forbidden' | 'read_only';

export type Decision = { allow: true } | { allow: false; status: 401 | 403; code: DenyCode; message: string };

const deny = (status: 401 | 403, code: DenyCode, message: string): Decision => ({ allow: false, status, code, message });

function csrfMessage(v: CsrfVerdict): string {
  if (v === 'cross-origin') return 'cross-origin request refused';
  if (v === 'missing') return 'missing CSRF token (X-CSRF-Token header)';
  return 'CSRF token does not match this session';
}

export function decide(f: AccessFacts): Decision {
  const { principal: p, rule } = f;
  if (rule.permission === 'public') {
    // No session to protect, but a browser must not be made to post here from another site.
    if (rule.mutating && f.csrf === 'cross-origin') return deny(403, 'csrf', csrfMessage(f.csrf));
  } else if (p.kind === 'anonymous') {
    if (!(rule.permission === 'read' && !rule.mutating && p.readAccess)) return deny(401, 'unauthenticated', 'sign in or send an API token');
  } else {
    if (rule.mutating && p.kind === 'user' && f.csrf !== 'ok') return deny(403, 'csrf', csrfMessage(f.csrf));
    if (!roleCan(p.role, rule.permission)) {
      return deny(403, 'forbidden', `needs the ${rolesWith(rule.permission).join(' or ')} role (you are ${p.role})`);
    }
  }
  if (rule.mutating) {
    const mode = rule.readOnly ?? 'enforced';
    const readOnly = mode === 'exempt' ? false : mode === 'env-only' ? f.readOnlyEnv : f.readOnlyEnv || f.readOnlySetting;
    if (readOnly) return deny(403, 'read_only', 'sagascope is in read-only mode: no changes are accepted');
  }
  return { allow: true };
}
