import { changeOwnPassword } from '@/lib/auth/accounts';
import { changePasswordBodySchema } from '@/lib/auth/schemas';
import { route } from '../../_lib/route';
import { badRequest, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST {currentPassword, newPassword} → changes the signed-in user's password; other sessions end. */
export const POST = route(
  'POST /api/auth/password',
  {
    admit: (access) => (access.principal.kind === 'user' ? null : badRequest('only a signed-in user has a password (API tokens do not)')),
    body: changePasswordBodySchema,
  },
  async ({ access, body }) => {
    // Narrows the type: admit() has answered every other caller.
    if (access.principal.kind !== 'user') throw new Error('a caller without a password reached the handler');
    const result = await changeOwnPassword(access.db, access.principal, body.currentPassword, body.newPassword);
    return result.ok ? json({ ok: true }) : json({ error: result.error }, result.status);
  },
);
