/**
 * Waits, bounded, until `count` backends of the current database wait on a lock:
 * how a test knows a concurrent transaction has reached the point it means to
 * hold it at, instead of sleeping and hoping it has.
 */
import type pg from 'pg';

export async function untilLockWaiters(observer: pg.Client, count: number, what: string, timeoutMs = 20_000): Promise<void> {
  for (let waited = 0; ; waited += 50) {
    const { rows } = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0]!.n === count) return;
    if (waited > timeoutMs) {
      const seen = await observer.query(`SELECT state, wait_event_type, wait_event, left(query, 120) AS q FROM pg_stat_activity WHERE datname = current_database()`);
      throw new Error(`${what}: ${JSON.stringify(seen.rows)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
