/**
 * A saga's timeline rows and compensation chain in their wire form
 * (lib/ui/timeline-wire.ts). The saga page of a large saga carries only the
 * first screen of rows and fetches the rest here, so its HTML stays small and
 * hydrates early. The body is made once per cached view and compressed once
 * per encoding (lib/saga-view/page-timeline.ts, lib/http/pre-encoded.ts);
 * ETag / If-None-Match per representation.
 */
import { sagaIdSchema } from '@/lib/api/query';
import { getSagaDetail } from '@/lib/db';
import { timelineBody } from '@/lib/saga-view/page-timeline';
import { route } from '../../../_lib/route';
import { notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = route('GET /api/sagas/[id]/timeline', { params: { id: sagaIdSchema } }, async ({ request, params }) => {
  const detail = await getSagaDetail(params.id);
  if (!detail) return notFound('saga not found');
  return timelineBody(detail.view).respond(request, { 'Cache-Control': 'no-store' });
});
