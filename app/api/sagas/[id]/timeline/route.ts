/**
 * A saga's timeline rows in their wire form (lib/ui/timeline-wire.ts), with
 * the compensation chain built on the server. The saga page of a large saga
 * carries only the first screen of rows and fetches the rest here, so its HTML
 * stays small and hydrates early. The body is made once per cached model and
 * compressed once per encoding (app/sagas/[id]/page-data.ts,
 * lib/http/pre-encoded.ts); ETag / If-None-Match per representation.
 */
import { sagaIdSchema, formatZodError } from '@/lib/api/query';
import { currentModelConfig, getDb, getSagaDetail, sagaSpanLimit } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import { sagaPageData } from '@/app/sagas/[id]/page-data';
import { badRequest, internalError, notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'GET /api/sagas/[id]/timeline');
  if (!access.ok) return access.response;
  const parsed = sagaIdSchema.safeParse((await ctx.params).id);
  if (!parsed.success) return badRequest(`id: ${formatZodError(parsed.error)}`);
  try {
    const detail = await getSagaDetail(await getDb(), parsed.data, currentModelConfig(), sagaSpanLimit());
    if (!detail) return notFound('saga not found');
    return await sagaPageData(detail).timelineBody().respond(request, { 'Cache-Control': 'no-store' });
  } catch (err) {
    return internalError('GET /api/sagas/[id]/timeline', err);
  }
}
