import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { queueTestDelivery } from '@/lib/alerts/store';
import { route, notFoundUnless } from '../../../../_lib/route';
import { json } from '../../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** POST → 202 { deliveryId }: a `test` delivery is queued; the collector sends it like any other (admin). */
export const POST = route('POST /api/admin/alerts/[id]/test', { params: { id: notFoundUnless(uuidSchema, 'no such alert rule') } }, async ({ access, params }) => {
  const result = await queueTestDelivery(access.db, auditActorOf(access.principal), params.id);
  return result.ok ? json({ deliveryId: result.deliveryId }, 202) : json({ error: result.error }, result.status);
});
