import { z } from 'zod';
import { formatZodError, traceIdSchema } from '@/lib/api/query';
import { getDb, getSpan, getTrace } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import { badRequest, internalError, json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const spanIdSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{16}$/, 'span id must be 16 hex characters')
  .transform((s) => s.toLowerCase());

/** `?spanId=` narrows `spans` to that one span (the UI's attribute panel). */
export async function GET(request: Request, ctx: { params: Promise<{ traceId: string }> }): Promise<Response> {
  const access = await guard(request, 'GET /api/traces/[traceId]');
  if (!access.ok) return access.response;
  const traceId = traceIdSchema.safeParse((await ctx.params).traceId);
  if (!traceId.success) return badRequest(`traceId: ${formatZodError(traceId.error)}`);
  const rawSpanId = new URL(request.url).searchParams.get('spanId');
  let spanId: string | null = null;
  if (rawSpanId !== null) {
    const parsed = spanIdSchema.safeParse(rawSpanId);
    if (!parsed.success) return badRequest(`spanId: ${formatZodError(parsed.error)}`);
    spanId = parsed.data;
  }
  try {
    const db = await getDb();
    if (spanId !== null) {
      // One row by primary key: a click in a 50,000-span trace must not load the trace.
      const span = await getSpan(db, traceId.data, spanId);
      return span ? json({ traceId: traceId.data, spans: [span] }) : notFound('span not found in trace');
    }
    const trace = await getTrace(db, traceId.data);
    return trace ? json(trace) : notFound('trace not found');
  } catch (err) {
    return internalError('GET /api/traces/[traceId]', err);
  }
}
