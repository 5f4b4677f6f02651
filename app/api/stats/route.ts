import { parseStatsQuery } from '@/lib/stats/query';
import { getDb, getStats } from '@/lib/db';
import { route } from '../_lib/route';
import { json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export const GET = route('GET /api/stats', { query: (search) => parseStatsQuery(search) }, async ({ query }) => json(await getStats(await getDb(), query)));
