import { answerFromSagaDetail } from '../../_lib/saga-detail-route';
import { json } from '../../_lib/respond';
import { sagaDetailJson } from '@/lib/saga-view/json';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return answerFromSagaDetail(request, ctx, 'GET /api/sagas/[id]', (detail) => json(sagaDetailJson(detail.view, detail.audit)));
}
