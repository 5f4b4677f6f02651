import { logout } from '@/lib/auth/accounts';
import { clearedSessionCookies } from '@/lib/auth/cookies';
import { route } from '../../_lib/route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST → ends the session (deleted server-side) and clears the cookies. */
export const POST = route('POST /api/auth/logout', async ({ access }) => {
  await logout(access.db, access.principal);
  const headers = new Headers({ 'Cache-Control': 'no-store' });
  if (access.principal.kind === 'user') for (const c of clearedSessionCookies(access.secureCookies)) headers.append('Set-Cookie', c);
  return Response.json({ ok: true }, { headers });
});
