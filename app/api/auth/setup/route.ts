import { setupFirstAdmin } from '@/lib/auth/accounts';
import { setupBodySchema } from '@/lib/auth/schemas';
import { sessionCookies } from '@/lib/auth/cookies';
import { route } from '../../_lib/route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST {token, name, password} → the first admin (only while no user exists), signed in. */
export const POST = route('POST /api/auth/setup', { body: setupBodySchema }, async ({ request, access, body }) => {
  const result = await setupFirstAdmin(access.db, { ...body, userAgent: request.headers.get('user-agent'), ttlMinutes: access.settings.sessionTtlMinutes });
  if (!result.ok) return Response.json({ error: result.error }, { status: result.status, headers: { 'Cache-Control': 'no-store' } });
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  for (const c of sessionCookies(result.session.token, result.session.csrfToken, result.session.maxAgeSeconds, access.secureCookies)) headers.append('Set-Cookie', c);
  return Response.json({ user: { name: result.user.name, role: result.user.role } }, { status: 201, headers });
});
