/**
 * A saga's timeline rows in their wire form (lib/ui/timeline-wire.ts), with
 * the compensation chain built on the server. The saga page of a large saga
 * carries only the first screen of rows and fetches the rest here, so its HTML
 * stays small and hydrates early. The body is made once per cached model and
 * compressed once per encoding (app/sagas/[id]/page-data.ts,
 * lib/http/pre-encoded.ts); ETag / If-None-Match per representation.
 */
import { sagaPageData } from '@/app/sagas/[id]/page-data';
import { answerFromSagaDetail } from '../../../_lib/saga-detail-route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return answerFromSagaDetail(request, ctx, 'GET /api/sagas/[id]/timeline', (detail) =>
    sagaPageData(detail).timelineBody().respond(request, { 'Cache-Control': 'no-store' }),
  );
}
