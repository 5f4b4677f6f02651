import { z } from 'zod';
import { formatZodError, pgText, traceIdSchema } from '@/lib/api/query';
import { guard } from '@/lib/auth/guard';
import { searchTraceAttributes } from '@/lib/trace/search-store';
import { MAX_QUERY_LENGTH } from '@/lib/ui/span-search';
import { badRequest, internalError, json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const textSchema = z
  .string()
  .trim()
  .min(1, 'q is required')
  .max(MAX_QUERY_LENGTH, `q is at most ${MAX_QUERY_LENGTH} characters`)
  .refine(pgText, 'q must be text without NUL or unpaired surrogates');

/** GET ?q= → { spanIds, truncated }: spans of the trace whose attribute values contain q (lib/trace/search-store.ts). */
export async function GET(request: Request, ctx: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const access = await guard(request, 'GET /api/traces/[traceId]/search');
  if (!access.ok) return access.response;
  const traceId = traceIdSchema.safeParse((await ctx.params).traceId);
  if (!traceId.success) return badRequest(`traceId: ${formatZodError(traceId.error)}`);
  const q = textSchema.safeParse(new URL(request.url).searchParams.get('q') ?? '');
  if (!q.success) return badRequest(`q: ${formatZodError(q.error)}`);
  try {
    return json(await searchTraceAttributes(access.db, traceId.data, q.data));
  } catch (err) {
    return internalError('GET /api/traces/[traceId]/search', err);
  }
}
