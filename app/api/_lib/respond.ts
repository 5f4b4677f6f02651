/**
 * Response helpers shared by the API route handlers, so every route answers
 * errors with the same `{ error }` shape and never leaks internals on a 500.
 */

const NO_STORE = { 'Cache-Control': 'no-store' };

export function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: NO_STORE });
}

export function badRequest(message: string): Response {
  return json({ error: message }, 400);
}

export function notFound(message: string): Response {
  return json({ error: message }, 404);
}

/**
 * Log the cause server-side with a reference the operator can quote; the client
 * sees only the reference (database errors can carry SQL, hosts, user names).
 */
export function internalError(route: string, err: unknown): Response {
  const ref = crypto.randomUUID().slice(0, 8);
  console.error(`[${route}] internal error ref=${ref}`, err);
  return json({ error: `internal error (ref ${ref})` }, 500);
}
