import { parseTopologyQuery } from '@/lib/stats/query';
import { getTopology } from '@/lib/db';
import { route } from '../_lib/route';
import { json, notFound } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = route('GET /api/topology', { query: (search) => parseTopologyQuery(search) }, async ({ query }) => {
  const topology = await getTopology(query);
  return topology ? json(topology) : notFound('saga not found');
});
