/**
 * GET → a saga's version { version, status, terminal } (lib/saga-view/version.ts),
 * with the version as its ETag: If-None-Match with the current one → 304, no
 * body. The saga page polls it every few seconds while the saga runs
 * (components/saga/LiveUpdates.tsx) and re-renders only on a 200.
 */
import { sagaIdSchema } from '@/lib/api/query';
import { getSagaVersion } from '@/lib/db';
import { versionEtag } from '@/lib/saga-view/version';
import { ifNoneMatchHits } from '@/lib/http/etag';
import { route } from '../../../_lib/api-route';
import { notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = route('GET /api/sagas/[id]/version', { params: { id: sagaIdSchema } }, async ({ request, params }) => {
  const v = await getSagaVersion(params.id);
  if (!v) return notFound('saga not found');
  const etag = versionEtag(v.version);
  // no-cache: a cache may keep it but must ask again each time (the 304 is the cheap answer).
  const headers = { ETag: etag, 'Cache-Control': 'no-cache' };
  if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  return Response.json({ version: v.version, status: v.status, terminal: v.terminal }, { headers });
});
