/**
 * A saga's timeline rows and compensation chain in their wire form
 * (lib/ui/timeline-wire.ts). The saga page of a large saga carries only the
 * first screen of rows and fetches the rest here, so its HTML stays small and
 * hydrates early. The body is made once per cached view and compressed once
 * per encoding (lib/saga-view/page-timeline.ts, lib/http/pre-encoded.ts);
 * ETag / If-None-Match per representation.
 */
import { timelineBody } from '@/lib/saga-view/page-timeline';
import { answerFromSagaDetail } from '../../../_lib/saga-detail-route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return answerFromSagaDetail(request, ctx, 'GET /api/sagas/[id]/timeline', (detail) =>
    timelineBody(detail.view).respond(request, { 'Cache-Control': 'no-store' }),
  );
}
