import { traceIdSchema } from '@/lib/api/query';
import { getDb } from '@/lib/db';
import { searchTraceAttributes } from '@/lib/trace/search-store';
import { parseTraceSearchQuery } from '@/lib/trace/search-query';
import { route } from '../../../_lib/api-route';
import { json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?q= → { spanIds, truncated }: spans of the trace whose attribute values contain q (lib/trace/search-store.ts). */
export const GET = route('GET /api/traces/[traceId]/search', { params: { traceId: traceIdSchema }, query: parseTraceSearchQuery }, async ({ params, query }) =>
  json(await searchTraceAttributes(await getDb(), params.traceId, query.q)),
);
