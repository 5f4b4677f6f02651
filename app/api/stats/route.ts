import { parseStatsQuery } from '@/lib/stats/query';
import { getDb, getStats } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import { badRequest, internalError, json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/stats');
  if (!access.ok) return access.response;
  const parsed = parseStatsQuery(new URL(request.url).searchParams);
  if (!parsed.ok) return badRequest(parsed.error);
  try {
    return json(await getStats(await getDb(), parsed.value));
  } catch (err) {
    return internalError('GET /api/stats', err);
  }
}
