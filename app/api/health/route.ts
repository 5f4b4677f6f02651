import { getDb } from '@/lib/db';
import { json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** A probe must answer even when the database hangs (unreachable host, lock). */
const DB_TIMEOUT_MS = 3_000;

export async function GET(): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${DB_TIMEOUT_MS} ms`)), DB_TIMEOUT_MS);
    });
    await Promise.race([getDb().then((db) => db.query('SELECT 1')), timeout]);
    return json({ status: 'ok', db: 'ok' });
  } catch (err) {
    return json({ status: 'degraded', db: err instanceof Error ? err.message : String(err) }, 503);
  } finally {
    clearTimeout(timer);
  }
}
