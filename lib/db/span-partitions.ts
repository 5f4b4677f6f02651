/**
 * The optional daily-partitioned layout of `spans` (SAGASCOPE_SPAN_PARTITIONS=daily,
 * ADR 0013, docs/scaling.md "Time-partitioned spans").
 *
 * The migrations build the plain table; `convertToDailyPartitions` turns it into
 * a table partitioned by range on start_time, one partition per UTC day plus a
 * DEFAULT partition for spans outside the days created (clock skew, old replays),
 * with the same columns, indexes (same names) and rows. Its primary key gains the
 * partition column: (trace_id, span_id, shard_key, start_time).
 *
 * The dedupe rule that comes with it: a span is the same span only with the same
 * start_time. start_time is part of the span as sent (the exporter re-sends the
 * same bytes, nothing on ingest shifts it), so a re-sent span lands in the same
 * partition under the same key and ON CONFLICT DO NOTHING skips it, exactly as in
 * the plain layout. A sender that re-sends a span with a different start time
 * gets a second row — in the plain layout it would have been dropped.
 *
 * Retention drops whole partitions (`dropExpiredPartitions`) and deletes by ctid
 * only inside single leaf tables (lib/retention/store.ts), since a ctid is unique
 * only within one of them.
 */
import type { Db, Sql, TxSql } from './connection';
import { advisoryXactLock } from './locks';

export type SpanPartitioning = 'none' | 'daily';

const DAY_MS = 86_400_000;
/** Days created ahead of today on every pass, so midnight never routes a day's spans to DEFAULT. */
export const DAYS_AHEAD = 3;

const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** spans_p20261206 for the day starting at `ms`. */
export const partitionName = (ms: number) => `spans_p${isoDay(ms).replaceAll('-', '')}`;

/** Whether `spans` is the partitioned table. */
export async function isPartitioned(sql: Sql): Promise<boolean> {
  const [row] = await sql.query<{ kind: string }>(`SELECT relkind::text AS kind FROM pg_class WHERE oid = 'spans'::regclass`);
  return row?.kind === 'p';
}

/**
 * The tables that hold span rows: `spans` itself, or its leaf partitions with
 * their ranges (null bounds: the DEFAULT partition).
 */
export async function spanLeaves(sql: Sql): Promise<{ name: string; fromMs: number | null; toMs: number | null }[]> {
  if (!(await isPartitioned(sql))) return [{ name: 'spans', fromMs: null, toMs: null }];
  const rows = await sql.query<{ name: string; bound: string }>(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'spans'::regclass ORDER BY c.relname`,
  );
  return rows.map((r) => {
    const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(r.bound);
    return { name: r.name, fromMs: m ? Date.parse(m[1]!) : null, toMs: m ? Date.parse(m[2]!) : null };
  });
}

/**
 * Turns the plain `spans` into the partitioned layout, keeping its rows, in one
 * transaction (the table is locked meanwhile: run it before the collectors start,
 * as `openMigratedDb` does). Indexes keep their names, so later migrations that
 * name them still apply (CREATE/DROP INDEX and ADD COLUMN work on the partitioned
 * parent). Does nothing when `spans` is partitioned already.
 */
export async function convertToDailyPartitions(tx: TxSql, nowMs: number): Promise<boolean> {
  await advisoryXactLock(tx, 'spanPartitions');
  if (await isPartitioned(tx)) return false;
  await tx.query('LOCK TABLE spans IN ACCESS EXCLUSIVE MODE');
  const indexes = await tx.query<{ name: string; def: string; primary: boolean }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisprimary AS primary
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'spans'::regclass ORDER BY c.relname`,
  );
  await tx.query('ALTER TABLE spans RENAME TO spans_unpartitioned');
  // Index names are schema-wide: free them for the new table's indexes.
  for (const ix of indexes) await tx.query(`ALTER INDEX "${ix.name}" RENAME TO "${ix.name}_unpartitioned"`);
  await tx.query(`CREATE TABLE spans (LIKE spans_unpartitioned INCLUDING DEFAULTS INCLUDING STORAGE) PARTITION BY RANGE (start_time)`);
  await tx.query(`ALTER TABLE spans ADD CONSTRAINT spans_pkey PRIMARY KEY (trace_id, span_id, shard_key, start_time)`);
  for (const ix of indexes) {
    if (ix.primary) continue;
    // Read before the renames: CREATE INDEX <its name> ON public.spans USING … (a partitioned index, any method).
    await tx.query(ix.def);
  }
  await tx.query(`CREATE TABLE spans_default PARTITION OF spans DEFAULT`);
  await createDays(tx, nowMs - DAY_MS, nowMs + DAYS_AHEAD * DAY_MS);
  await tx.query(`INSERT INTO spans SELECT * FROM spans_unpartitioned`);
  await tx.query(`DROP TABLE spans_unpartitioned`);
  return true;
}

async function createDays(tx: TxSql, fromMs: number, toMs: number): Promise<string[]> {
  const existing = new Set((await spanLeaves(tx)).map((l) => l.name));
  const created: string[] = [];
  for (let day = dayStart(fromMs); day <= toMs; day += DAY_MS) {
    const name = partitionName(day);
    if (existing.has(name)) continue;
    const range = `FOR VALUES FROM ('${isoDay(day)}T00:00:00Z') TO ('${isoDay(day + DAY_MS)}T00:00:00Z')`;
    // Rows of that day already in DEFAULT (spans that arrived before their day's
    // partition existed) move into it first: ATTACH refuses while DEFAULT holds any.
    // DEFAULT is locked against inserts meanwhile, so none can slip in between.
    await tx.query(`LOCK TABLE spans_default IN SHARE ROW EXCLUSIVE MODE`);
    await tx.query(`CREATE TABLE ${name} (LIKE spans INCLUDING DEFAULTS INCLUDING STORAGE)`);
    const dayFrom = new Date(day).toISOString();
    const dayTo = new Date(day + DAY_MS).toISOString();
    await tx.query(
      `WITH moved AS (DELETE FROM spans_default WHERE start_time >= $1 AND start_time < $2 RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
      [dayFrom, dayTo],
    );
    await tx.query(`ALTER TABLE spans ATTACH PARTITION ${name} ${range}`);
    created.push(name);
  }
  return created;
}

/**
 * Creates the partitions of yesterday, today and DAYS_AHEAD days ahead that do
 * not exist yet (the collector runs it periodically); returns their names.
 */
export async function ensureDailyPartitions(db: Db, nowMs: number): Promise<string[]> {
  if (!(await isPartitioned(db))) return [];
  return db.transaction(async (tx) => {
    // While ingest runs: a lock it cannot get soon (DEFAULT held by a long
    // transaction) fails this pass, retried an hour later with days still ahead.
    await tx.query(`SET LOCAL lock_timeout = 5000`);
    await advisoryXactLock(tx, 'spanPartitions');
    return createDays(tx, nowMs - DAY_MS, nowMs + DAYS_AHEAD * DAY_MS);
  });
}

/**
 * Drops the day partitions that end at or before `cutoff` (every row in them is
 * expired): one catalog change instead of a DELETE per row. A drop that cannot get
 * its lock within `lockTimeoutMs` (a long query reading the parent) is left for the
 * next pass rather than queueing ingest behind it. Returns the names dropped.
 */
export async function dropExpiredPartitions(db: Db, cutoff: Date, lockTimeoutMs = 2_000): Promise<string[]> {
  const expired = (await spanLeaves(db)).filter((l) => l.toMs !== null && l.toMs <= cutoff.getTime());
  const dropped: string[] = [];
  for (const leaf of expired) {
    try {
      await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
        await tx.query(`DROP TABLE IF EXISTS ${leaf.name}`);
      });
      dropped.push(leaf.name);
    } catch (err) {
      if ((err as { code?: string }).code !== '55P03') throw err; // lock_not_available
    }
  }
  return dropped;
}
