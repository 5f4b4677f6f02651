import { formatZodError, traceIdSchema } from '@/lib/api/query';
import { guard } from '@/lib/auth/guard';
import { traceOtlpResponse } from '@/lib/trace/otlp-download';
import { badRequest, internalError, notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → the trace as an OTLP/JSON file (Content-Disposition: attachment); lib/trace/otlp-download.ts. */
export async function GET(request: Request, ctx: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const access = await guard(request, 'GET /api/traces/[traceId]/otlp');
  if (!access.ok) return access.response;
  const traceId = traceIdSchema.safeParse((await ctx.params).traceId);
  if (!traceId.success) return badRequest(`traceId: ${formatZodError(traceId.error)}`);
  try {
    return (await traceOtlpResponse(access.db, traceId.data)) ?? notFound('trace not found');
  } catch (err) {
    return internalError('GET /api/traces/[traceId]/otlp', err);
  }
}
