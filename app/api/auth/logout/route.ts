import { guard } from '@/lib/auth/guard';
import { logout } from '@/lib/auth/accounts';
import { clearedSessionCookies } from '@/lib/auth/cookies';
import { internalError } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST → ends the session (deleted server-side) and clears the cookies. */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/auth/logout');
  if (!access.ok) return access.response;
  try {
    await logout(access.db, access.principal);
    const headers = new Headers({ 'Cache-Control': 'no-store' });
    if (access.principal.kind === 'user') for (const c of clearedSessionCookies(access.secureCookies)) headers.append('Set-Cookie', c);
    return Response.json({ ok: true }, { headers });
  } catch (err) {
    return internalError('POST /api/auth/logout', err);
  }
}
