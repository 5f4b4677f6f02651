/**
 * A saga's timeline rows in their wire form (lib/ui/timeline-wire.ts), with
 * the compensation chain built on the server. The saga page of a large saga
 * carries only the first screen of rows and fetches the rest here, so its HTML
 * stays small and hydrates early. The body is made once per cached model and
 * compressed once per encoding (app/sagas/[id]/page-data.ts,
 * lib/http/pre-encoded.ts); ETag / If-None-Match per representation.
 */
import { sagaIdSchema } from '@/lib/api/query';
import { getSagaDetail } from '@/lib/db';
import { sagaPageData } from '@/app/sagas/[id]/page-data';
import { route } from '../../../_lib/api-route';
import { notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = route('GET /api/sagas/[id]/timeline', { params: { id: sagaIdSchema } }, async ({ request, params }) => {
  const detail = await getSagaDetail(params.id);
  if (!detail) return notFound('saga not found');
  return sagaPageData(detail).timelineBody().respond(request, { 'Cache-Control': 'no-store' });
});
