import { parseDeliveryQuery } from '@/lib/alerts/delivery-query';
import { listAlertDeliveries } from '@/lib/alerts/store';
import { route } from '../../../_lib/route';
import { json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?rule=&state=&limit=&cursor= → { items, nextCursor }, newest first (admin). */
export const GET = route('GET /api/admin/alerts/deliveries', { query: parseDeliveryQuery }, async ({ access, query }) =>
  json(await listAlertDeliveries(access.db, query)),
);
