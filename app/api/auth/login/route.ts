import { login, logout } from '@/lib/auth/accounts';
import { loginBodySchema } from '@/lib/auth/schemas';
import { sessionCookies } from '@/lib/auth/cookies';
import { route } from '../../_lib/route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * POST {name, password} → 200 {user} with the session and CSRF cookies; 401 on any mismatch;
 * 429 with Retry-After when the login throttle refuses the attempt (lib/auth/throttle.ts).
 */
export const POST = route('POST /api/auth/login', { body: loginBodySchema }, async ({ request, access, body }) => {
  const result = await login(access.db, {
    ...body,
    userAgent: request.headers.get('user-agent'),
    ttlMinutes: access.settings.sessionTtlMinutes,
    client: access.client,
    throttle: access.settings.loginThrottle,
  });
  if (!result.ok) {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (result.retryAfterSeconds !== undefined) headers['Retry-After'] = String(result.retryAfterSeconds);
    return Response.json({ error: result.error }, { status: result.status, headers });
  }
  // Signing in again (possibly as someone else) ends the session this browser had.
  if (access.principal.kind === 'user') await logout(access.db, access.principal);
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  for (const c of sessionCookies(result.session.token, result.session.csrfToken, result.session.maxAgeSeconds, access.secureCookies)) headers.append('Set-Cookie', c);
  return Response.json(
    { user: { name: result.user.name, role: result.user.role }, expiresAt: result.session.expiresAt.toISOString(), csrfToken: result.session.csrfToken },
    { headers },
  );
});
