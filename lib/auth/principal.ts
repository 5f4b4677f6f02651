/** Who is making a request, once authenticated (lib/auth/authenticate.ts). */
import type { Role } from './roles';

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  name: string;
  role: Role;
  /** SHA-256 of the session token (the sessions row). */
  sessionHash: string;
  /** The session's CSRF token, derived from its secret. */
  csrfToken: string;
  sessionExpiresAt: string;
}

export interface TokenPrincipal {
  kind: 'token';
  tokenId: string;
  name: string;
  role: Role;
}

/** Nobody signed in. `readAccess` when anonymous reading is allowed (ADR 0002). */
export interface AnonymousPrincipal {
  kind: 'anonymous';
  readAccess: boolean;
}

export type Principal = UserPrincipal | TokenPrincipal | AnonymousPrincipal;

/** Who an audit entry names: `actor`, `role`, `via` (lib/audit/store.ts appendAudit). */
export interface AuditActor {
  actor: string;
  role: string;
  via: string;
}

export function auditActorOf(p: Principal): AuditActor {
  switch (p.kind) {
    case 'user':
      return { actor: p.name, role: p.role, via: 'session' };
    case 'token':
      return { actor: `token:${p.name}`, role: p.role, via: 'token' };
    case 'anonymous':
      return { actor: 'anonymous', role: 'anonymous', via: 'anonymous' };
  }
}

export function principalRole(p: Principal): Role | null {
  return p.kind === 'anonymous' ? null : p.role;
}
