import { parseTopologyQuery } from '@/lib/stats/query';
import { currentModelConfig, getDb, getTopology, sagaSpanLimit } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import { badRequest, internalError, json, notFound } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/topology');
  if (!access.ok) return access.response;
  const parsed = parseTopologyQuery(new URL(request.url).searchParams);
  if (!parsed.ok) return badRequest(parsed.error);
  try {
    const topology = await getTopology(await getDb(), parsed.value, currentModelConfig(), sagaSpanLimit());
    return topology ? json(topology) : notFound('saga not found');
  } catch (err) {
    return internalError('GET /api/topology', err);
  }
}
