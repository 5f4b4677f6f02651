import { guard } from '@/lib/auth/guard';
import { revokeToken } from '@/lib/auth/accounts';
import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { internalError, json, notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** DELETE → revokes the token (kept, marked revoked; admin). */
export async function DELETE(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'DELETE /api/admin/tokens/[id]');
  if (!access.ok) return access.response;
  const id = uuidSchema.safeParse((await ctx.params).id);
  if (!id.success) return notFound('no such token');
  try {
    const result = await revokeToken(access.db, auditActorOf(access.principal), id.data);
    return result.ok ? json({ record: result.record }) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('DELETE /api/admin/tokens/[id]', err);
  }
}
