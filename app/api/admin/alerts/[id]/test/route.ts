import { guard } from '@/lib/auth/guard';
import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { queueTestDelivery } from '@/lib/alerts/store';
import { internalError, json, notFound } from '../../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST → 202 { deliveryId }: a `test` delivery is queued; the collector sends it like any other (admin). */
export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'POST /api/admin/alerts/[id]/test');
  if (!access.ok) return access.response;
  const id = uuidSchema.safeParse((await ctx.params).id);
  if (!id.success) return notFound('no such alert rule');
  try {
    const result = await queueTestDelivery(access.db, auditActorOf(access.principal), id.data);
    return result.ok ? json({ deliveryId: result.deliveryId }, 202) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('POST /api/admin/alerts/[id]/test', err);
  }
}
