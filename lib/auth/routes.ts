/**
 * The access rule of every API route, in one table. Route handlers look their
 * rule up by key (`guard(request, 'POST /api/admin/users')`); the RBAC test
 * checks every mutating route found under app/api against its own expectations.
 */
import type { Permission } from './roles';

export interface RouteRule {
  /** `public`: no sign-in needed (login, first-admin setup). */
  permission: Permission | 'public';
  /** Changes state: needs CSRF protection for browser sessions and is refused in read-only mode. */
  mutating: boolean;
  /**
   * Read-only mode: `enforced` (default) refuses the route; `exempt` allows it
   * (login, logout); `env-only` refuses it only when SAGASCOPE_READ_ONLY pins the
   * mode (the settings route, so an admin can switch a runtime freeze off again).
   */
  readOnly?: 'enforced' | 'exempt' | 'env-only';
}

export const ROUTE_RULES = {
  'POST /api/auth/login': { permission: 'public', mutating: true, readOnly: 'exempt' },
  'POST /api/auth/logout': { permission: 'self', mutating: true, readOnly: 'exempt' },
  'POST /api/auth/setup': { permission: 'public', mutating: true },
  'POST /api/auth/password': { permission: 'self', mutating: true },
  'GET /api/auth/me': { permission: 'public', mutating: false },

  'GET /api/admin/users': { permission: 'admin', mutating: false },
  'POST /api/admin/users': { permission: 'admin', mutating: true },
  'PATCH /api/admin/users/[id]': { permission: 'admin', mutating: true },
  'GET /api/admin/tokens': { permission: 'admin', mutating: false },
  'POST /api/admin/tokens': { permission: 'admin', mutating: true },
  'DELETE /api/admin/tokens/[id]': { permission: 'admin', mutating: true },
  'GET /api/admin/settings': { permission: 'admin', mutating: false },
  'PUT /api/admin/settings': { permission: 'admin', mutating: true, readOnly: 'env-only' },
  'GET /api/admin/alerts': { permission: 'admin', mutating: false },
  'POST /api/admin/alerts': { permission: 'admin', mutating: true },
  'PATCH /api/admin/alerts/[id]': { permission: 'admin', mutating: true },
  'DELETE /api/admin/alerts/[id]': { permission: 'admin', mutating: true },
  /** Queues a test webhook delivery for the rule. */
  'POST /api/admin/alerts/[id]/test': { permission: 'admin', mutating: true },
  'GET /api/admin/alerts/deliveries': { permission: 'admin', mutating: false },

  'GET /api/audit': { permission: 'audit', mutating: false },
  'GET /api/audit/verify': { permission: 'audit', mutating: false },
  'GET /api/export': { permission: 'export', mutating: false },
  'GET /api/export/manifest': { permission: 'export', mutating: false },

  'GET /api/sagas': { permission: 'read', mutating: false },
  'GET /api/sagas/[id]': { permission: 'read', mutating: false },
  /** A saga's timeline rows, packed (the saga page fetches a large saga's rows after its first screen). */
  'GET /api/sagas/[id]/timeline': { permission: 'read', mutating: false },
  /** A saga's version (ETag / If-None-Match): what its page polls while the saga runs. */
  'GET /api/sagas/[id]/version': { permission: 'read', mutating: false },
  /** Manual retry / compensate (DESIGN.md §5): operator or admin, CSRF, refused in read-only mode. */
  'POST /api/sagas/[id]/actions': { permission: 'act', mutating: true },
  /** The same over a filtered selection of sagas (batch). */
  'POST /api/sagas/actions': { permission: 'act', mutating: true },
  'GET /api/traces/[traceId]': { permission: 'read', mutating: false },
  /** The trace as an OTLP/JSON ExportTraceServiceRequest file (re-ingests into any OTLP/HTTP endpoint). */
  'GET /api/traces/[traceId]/otlp': { permission: 'read', mutating: false },
  /** Span ids of a trace whose attribute values contain a text (the trace page's span search). */
  'GET /api/traces/[traceId]/search': { permission: 'read', mutating: false },
  'GET /api/stats': { permission: 'read', mutating: false },
  'GET /api/topology': { permission: 'read', mutating: false },
} as const satisfies Record<string, RouteRule>;

export type RouteKey = keyof typeof ROUTE_RULES;

export function routeRule(key: RouteKey): RouteRule {
  return ROUTE_RULES[key];
}
