import { sagaIdSchema } from '@/lib/api/query';
import { getSagaDetail } from '@/lib/db';
import { sagaDetailJson } from '@/lib/saga-view/detail-json';
import { route } from '../../_lib/api-route';
import { json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → the saga's detail (lib/api/types.ts SagaDetail), the same the saga page shows. */
export const GET = route('GET /api/sagas/[id]', { params: { id: sagaIdSchema } }, async ({ params }) => {
  const detail = await getSagaDetail(params.id);
  return detail ? json(sagaDetailJson(detail.view, detail.audit, detail.keys)) : notFound('saga not found');
});
