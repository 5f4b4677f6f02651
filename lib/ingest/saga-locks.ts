/**
 * Per-saga locking for everything that rewrites a saga summary (ADR 0012).
 *
 * A saga's lock is its summary row in `sagas`: a writer locks the rows of the
 * sagas it will rewrite with SELECT … FOR UPDATE, in id order, and holds them to
 * commit. Row locks live in the rows, not in PostgreSQL's shared lock table, so a
 * batch can hold a thousand of them without touching `max_locks_per_transaction`
 * (per-saga advisory locks would have needed one shared-memory entry each).
 * A saga that has no row yet is "locked" by the transaction that inserts it
 * (lib/ingest/summary-writer.ts `insertNewSummaries`): the uncommitted key makes any
 * other inserter wait, and no one else can see the row to lock it.
 *
 * Why no cycle of waits can form: every writer, in this order,
 *  1. inserts the rows of sagas new to it, in id order (waiting only for another
 *     inserter of the same key);
 *  2. takes the `ingestPhase2` advisory lock in SHARED mode (it waits only for an
 *     exclusive holder: an older-version process during a rolling upgrade);
 *  3. locks the existing rows it needs, in id order, in ONE statement;
 *  4. from then on writes only rows it holds (summaries it locked or inserted,
 *     orphan spans — see below — and keyless appends: rollup deltas, alerts
 *     keyed by the saga it holds).
 * A writer in step 3 waits only for holders of a row it wants; a holder blocked
 * in step 3 itself waits only for rows later in id order than everything it
 * holds, so no chain of waits closes. Sets of sagas that become known only
 * later (orphan adoption) are not locked late: a writer adopts orphans only
 * into sagas it already holds, and leaves the rest to the check after commit
 * (lib/ingest/span-writer.ts `linkStoredOrphans`).
 */
import type { Sql } from '../db/connection';
import { arrayLiteral } from '../db/pg-text';
import { advisoryXactLockShared } from '../db/locks';

/** A stored summary as a writer needs it; `version` is the row's xmin: any committed change to the row changes it. */
export interface StoredSummary {
  id: string;
  rollup: string | null;
  span_count: number;
  version: string;
}

export const readSummaries = (sql: Sql, ids: readonly string[]) =>
  sql.query<StoredSummary>(`SELECT id, rollup, span_count, xmin::text AS version FROM sagas WHERE id = ANY($1::text[])`, [arrayLiteral(ids)]);

/**
 * Step 2 and 3 above: locks the summary rows of `ids` in id order and returns
 * them as they are once locked (the latest committed version, whoever held them
 * before). Ids without a row are neither returned nor locked.
 */
export async function lockSummaries(tx: Sql, ids: readonly string[]): Promise<Map<string, StoredSummary>> {
  await advisoryXactLockShared(tx, 'ingestPhase2');
  if (ids.length === 0) return new Map();
  // ORDER BY below FOR UPDATE: rows are locked as the sort emits them, so in id order.
  const rows = await tx.query<StoredSummary>(
    `SELECT id, rollup, span_count, xmin::text AS version FROM sagas WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [arrayLiteral([...new Set(ids)])],
  );
  return new Map(rows.map((r) => [r.id, r]));
}
