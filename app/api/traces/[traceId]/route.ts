import { z } from 'zod';
import { formatZodError, traceIdSchema, type Parsed } from '@/lib/api/query';
import { getDb, getSpan, getTrace } from '@/lib/db';
import { route } from '../../_lib/route';
import { json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const spanIdSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{16}$/, 'span id must be 16 hex characters')
  .transform((s) => s.toLowerCase());

function parseTraceQuery(search: URLSearchParams): Parsed<{ spanId: string | null }> {
  const raw = search.get('spanId');
  if (raw === null) return { ok: true, value: { spanId: null } };
  const parsed = spanIdSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: { spanId: parsed.data } } : { ok: false, error: `spanId: ${formatZodError(parsed.error)}` };
}

/** `?spanId=` narrows `spans` to that one span (the UI's attribute panel). */
export const GET = route('GET /api/traces/[traceId]', { params: { traceId: traceIdSchema }, query: parseTraceQuery }, async ({ params, query }) => {
  const db = await getDb();
  if (query.spanId !== null) {
    // One row by primary key: a click in a 50,000-span trace must not load the trace.
    const span = await getSpan(db, params.traceId, query.spanId);
    return span ? json({ traceId: params.traceId, spans: [span] }) : notFound('span not found in trace');
  }
  const trace = await getTrace(db, params.traceId);
  return trace ? json(trace) : notFound('trace not found');
});
