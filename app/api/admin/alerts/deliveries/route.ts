import { guard } from '@/lib/auth/guard';
import { parseDeliveryQuery } from '@/lib/alerts/delivery-query';
import { listAlertDeliveries } from '@/lib/alerts/store';
import { badRequest, internalError, json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?rule=&state=&limit=&cursor= → { items, nextCursor }, newest first (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/admin/alerts/deliveries');
  if (!access.ok) return access.response;
  const query = parseDeliveryQuery(new URL(request.url).searchParams);
  if (!query.ok) return badRequest(query.error);
  try {
    return json(await listAlertDeliveries(access.db, query.value));
  } catch (err) {
    return internalError('GET /api/admin/alerts/deliveries', err);
  }
}
