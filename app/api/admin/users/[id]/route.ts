import { guard } from '@/lib/auth/guard';
import { updateUserAccount } from '@/lib/auth/accounts';
import { updateUserBodySchema, uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { readJson } from '../../../_lib/body';
import { internalError, json, notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** PATCH {role?, disabled?, password?} → { user } (admin). Ends the user's sessions when access shrinks. */
export async function PATCH(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'PATCH /api/admin/users/[id]');
  if (!access.ok) return access.response;
  const id = uuidSchema.safeParse((await ctx.params).id);
  if (!id.success) return notFound('no such user');
  const body = await readJson(request, updateUserBodySchema);
  if (!body.ok) return body.response;
  try {
    const result = await updateUserAccount(access.db, auditActorOf(access.principal), id.data, body.value);
    return result.ok ? json({ user: result.user }) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('PATCH /api/admin/users/[id]', err);
  }
}
