/**
 * The one wrapper of every API route handler (GET /api/health aside: a public
 * probe with no rule). A route names its key once:
 *
 *   export const PATCH = route('PATCH /api/admin/users/[id]', { params: { id: uuidParam('no such user') }, body: updateUserBodySchema },
 *     async ({ access, params, body }) => json(...));
 *
 * and the wrapper, in this order,
 * 1. authorises it: guard(request, key) — sign-in, role, CSRF and read-only mode
 *    from the route's rule (lib/auth/routes.ts);
 * 2. asks `admit` (a refusal that needs the caller, before anything is read);
 * 3. parses the path parameters (zod; 400 `name: problem` unless the parameter
 *    says otherwise), the query string (a parser from lib: 400 with its
 *    message) and the JSON body (zod, body.ts: 415 / 413 / 400);
 * 4. runs the handler with the typed values; anything it throws becomes the one
 *    opaque 500, logged once by the structured logger (lib/http/internal-error.ts).
 */
import type { z } from 'zod';
import { guard, type Access } from '@/lib/auth/guard';
import type { RouteKey } from '@/lib/auth/routes';
import { formatZodError, type Parsed } from '@/lib/api/query';
import { internalError } from '@/lib/http/internal-error';
import { readJson } from './body';
import { badRequest, notFound } from './respond';

/** A path parameter: a schema (an invalid value → 400 `name: problem`), or a schema with its own answer. */
export type ParamSpec = z.ZodType | { schema: z.ZodType; invalid: (message: string) => Response };
type ParamSpecs = Record<string, ParamSpec>;
type ParamValues<P extends ParamSpecs> = {
  [K in keyof P]: P[K] extends z.ZodType ? z.output<P[K]> : P[K] extends { schema: infer S extends z.ZodType } ? z.output<S> : never;
};

/** An id that names a row (a user, a token, a rule): one that cannot exist is simply not found. */
export function notFoundUnless(schema: z.ZodType, message: string): ParamSpec {
  return { schema, invalid: () => notFound(message) };
}

export interface RouteParts<P extends ParamSpecs, Q, B extends z.ZodType | undefined> {
  params?: P;
  query?: (search: URLSearchParams) => Parsed<Q>;
  body?: B;
  /** A refusal that depends on the caller alone, answered before the request is read. */
  admit?: (access: Access) => Response | null;
}

export interface RouteInput<P, Q, B> {
  request: Request;
  access: Access;
  params: P;
  query: Q;
  body: B;
}

type Handler<P extends ParamSpecs, Q, B extends z.ZodType | undefined> = (
  input: RouteInput<ParamValues<P>, Q, B extends z.ZodType ? z.output<B> : undefined>,
) => Response | Promise<Response>;

/** What Next.js calls: `params` is checked here, so its type as Next declares it does not matter. */
export type RouteHandler = (request: Request, ctx?: { params: Promise<unknown> }) => Promise<Response>;

type AnyHandler = (input: RouteInput<any, any, any>) => Response | Promise<Response>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function route(key: RouteKey, handle: Handler<{}, undefined, undefined>): RouteHandler;
export function route<P extends ParamSpecs = {}, Q = undefined, B extends z.ZodType | undefined = undefined>(
  key: RouteKey,
  parts: RouteParts<P, Q, B>,
  handle: Handler<P, Q, B>,
): RouteHandler;
export function route(
  key: RouteKey,
  partsOrHandle: RouteParts<ParamSpecs, unknown, z.ZodType | undefined> | AnyHandler,
  maybeHandle?: AnyHandler,
): RouteHandler {
  const parts = typeof partsOrHandle === 'function' ? {} : partsOrHandle;
  const handle = typeof partsOrHandle === 'function' ? partsOrHandle : maybeHandle!;
  return async (request, ctx) => {
    const access = await guard(request, key);
    if (!access.ok) return access.response;
    try {
      const refusal = parts.admit?.(access);
      if (refusal) return refusal;
      const params: Record<string, unknown> = {};
      if (parts.params) {
        const raw = ((await ctx?.params) ?? {}) as Record<string, unknown>;
        for (const [name, spec] of Object.entries(parts.params)) {
          const schema = 'invalid' in spec ? spec.schema : spec;
          const parsed = schema.safeParse(raw[name]);
          if (!parsed.success) {
            const message = formatZodError(parsed.error);
            return 'invalid' in spec ? spec.invalid(message) : badRequest(`${name}: ${message}`);
          }
          params[name] = parsed.data;
        }
      }
      let query: unknown;
      if (parts.query) {
        const parsed = parts.query(new URL(request.url).searchParams);
        if (!parsed.ok) return badRequest(parsed.error);
        query = parsed.value;
      }
      let body: unknown;
      if (parts.body) {
        const read = await readJson(request, parts.body);
        if (!read.ok) return read.response;
        body = read.value;
      }
      return await handle({ request, access, params, query, body });
    } catch (err) {
      return internalError(key, err);
    }
  };
}
