import { guard } from '@/lib/auth/guard';
import { changeOwnPassword } from '@/lib/auth/accounts';
import { changePasswordBodySchema } from '@/lib/auth/schemas';
import { readJson } from '../../_lib/body';
import { badRequest, internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST {currentPassword, newPassword} → changes the signed-in user's password; other sessions end. */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/auth/password');
  if (!access.ok) return access.response;
  if (access.principal.kind !== 'user') return badRequest('only a signed-in user has a password (API tokens do not)');
  const body = await readJson(request, changePasswordBodySchema);
  if (!body.ok) return body.response;
  try {
    const result = await changeOwnPassword(access.db, access.principal, body.value.currentPassword, body.value.newPassword);
    return result.ok ? json({ ok: true }) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('POST /api/auth/password', err);
  }
}
