import { parseSagaListQuery } from '@/lib/api/query';
import { getDb, listSagas } from '@/lib/db';
import { route } from '../_lib/route';
import { json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?status=&name=&service=&anomaly=&from=&to=&q=&limit=&cursor= → { items, nextCursor }, newest first. */
export const GET = route('GET /api/sagas', { query: parseSagaListQuery }, async ({ query }) => json(await listSagas(await getDb(), query)));
