/**
 * Response helpers shared by the API route handlers, so every route answers
 * errors with the same `{ error }` shape. A 500 is the route wrapper's alone
 * (route.ts, lib/http/internal-error.ts): it never leaks internals.
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
