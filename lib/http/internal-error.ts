/**
 * The one answer to an unexpected failure while serving a request: the cause
 * goes to the server log (the structured logger, lib/log.ts) with a reference
 * the operator can quote; the client sees only the reference, since database
 * errors can carry SQL, hosts or user names. Used by the route wrapper
 * (app/api/_lib/route.ts) and the authorisation guard (lib/auth/guard.ts).
 */
import { log, errorFields } from '../log';

export function internalError(route: string, err: unknown, what = 'internal error'): Response {
  const ref = crypto.randomUUID().slice(0, 8);
  log.error(what, { route, ref, ...errorFields(err), ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) });
  return Response.json({ error: `internal error (ref ${ref})` }, { status: 500, headers: { 'Cache-Control': 'no-store' } });
}
