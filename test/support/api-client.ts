/**
 * Calling the Next.js route handlers in-process, as the server would: a
 * standard Request in, a Response out. Used by the integration tests that need
 * many requests with precise headers (RBAC matrix, exports).
 */
import type { Role } from '../../lib/auth/roles';

export const ORIGIN = 'http://127.0.0.1:3000';
export const HOST = '127.0.0.1:3000';

export interface Credentials {
  cookie?: string;
  csrf?: string;
  bearer?: string;
}

export interface RequestOptions extends Credentials {
  body?: unknown;
  /** Origin header; `null` sends none. Defaults to the server's own origin. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export function apiRequest(method: string, path: string, o: RequestOptions = {}): Request {
  const headers: Record<string, string> = { host: HOST, ...o.headers };
  if (o.origin !== null && method !== 'GET') headers.origin = o.origin ?? ORIGIN;
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  if (o.bearer) headers.authorization = `Bearer ${o.bearer}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  return new Request(`${ORIGIN}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
}

/** `name=value` pairs of a response's Set-Cookie headers, as a Cookie header. */
export function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

export function cookieValue(res: Response, name: string): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair!.indexOf('=');
    if (pair!.slice(0, eq) === name) return decodeURIComponent(pair!.slice(eq + 1));
  }
  return undefined;
}

type Handler = (request: Request) => Promise<Response>;

/** Signs in through the login route; returns the session cookie and its CSRF token. */
export async function signIn(login: Handler, name: string, password: string): Promise<Required<Pick<Credentials, 'cookie' | 'csrf'>>> {
  const res = await login(apiRequest('POST', '/api/auth/login', { body: { name, password } }));
  if (res.status !== 200) throw new Error(`sign-in as ${name} failed: ${res.status} ${await res.text()}`);
  return { cookie: cookieHeader(res), csrf: cookieValue(res, 'sagascope_csrf')! };
}

export const PASSWORD = 'integration-password-1';
export const userName = (role: Role) => `it-${role}`;
