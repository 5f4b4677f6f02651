import { sagaIdSchema, formatZodError } from '@/lib/api/query';
import { currentModelConfig, getDb, getSagaDetail, sagaSpanLimit } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import { badRequest, internalError, json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'GET /api/sagas/[id]');
  if (!access.ok) return access.response;
  const parsed = sagaIdSchema.safeParse((await ctx.params).id);
  if (!parsed.success) return badRequest(`id: ${formatZodError(parsed.error)}`);
  try {
    const detail = await getSagaDetail(await getDb(), parsed.data, currentModelConfig(), sagaSpanLimit());
    return detail ? json(detail) : notFound('saga not found');
  } catch (err) {
    return internalError('GET /api/sagas/[id]', err);
  }
}
