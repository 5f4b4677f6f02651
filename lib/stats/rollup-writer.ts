/**
 * Rollup changes (lib/stats/delta.ts) reach the rollup tables in two steps:
 *  1. the transaction that changed the sagas (ingest, timed transition,
 *     backfill) APPENDS its per-minute changes to rollup_*_delta — a plain
 *     INSERT without a key, so concurrent writers never wait on each other's
 *     rows and none of it has to happen under the phase-2 lock;
 *  2. the collector folds them every SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS
 *     (`compactRollups`): one transaction deletes the delta rows it sees and
 *     adds their sums per key to the minute and hour tables.
 * Readers use the *_all views (folded rows UNION ALL pending changes) and SUM,
 * so what they see always equals the sum of the committed contributions.
 * See docs/adr/0003-rollups.md.
 */
import type { Db, Sql } from '../db/connection';
import type { RollupDelta } from './delta';
import { arrayLiteral as texts, numberArrayLiteral as nums } from '../db/pg-text';
import { advisoryXactLock, tryAdvisoryXactLock } from '../db/locks';

/** The parameters of the two appends below (null: nothing to append); pure, so benchmarks time it alone. */
export function rollupParameters(delta: RollupDelta): { counts: string[] | null; latency: string[] | null } {
  const { counts: c, latency: l } = delta.rows();
  return {
    counts: c.series.length === 0 ? null
      : [nums(c.series), nums(c.minute), texts(c.name), texts(c.k1), texts(c.k2), texts(c.k3), nums(c.calls), nums(c.errors), nums(c.retries), nums(c.extra)],
    latency: l.series.length === 0 ? null
      : [nums(l.series), nums(l.minute), texts(l.name), texts(l.k1), texts(l.k2), texts(l.k3), nums(l.bucket), nums(l.count)],
  };
}

/** Appends a transaction's rollup changes (minute grain; hours are derived when folding). */
export async function applyRollupDelta(sql: Sql, delta: RollupDelta): Promise<void> {
  const { counts, latency } = rollupParameters(delta);
  if (counts) {
    await sql.query(
      `INSERT INTO rollup_counts_delta (series, minute, saga_name, k1, k2, k3, calls, errors, retries, extra)
       SELECT series, to_timestamp(minute * 60), name, k1, k2, k3, calls, errors, retries, extra
         FROM unnest($1::int2[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int4[], $8::int4[], $9::int4[], $10::int4[])
           AS t(series, minute, name, k1, k2, k3, calls, errors, retries, extra)`,
      counts,
    );
  }
  if (latency) {
    await sql.query(
      `INSERT INTO rollup_latency_delta (series, minute, saga_name, k1, k2, k3, bucket, count)
       SELECT series, to_timestamp(minute * 60), name, k1, k2, k3, bucket, count
         FROM unnest($1::int2[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int2[], $8::int4[])
           AS t(series, minute, name, k1, k2, k3, bucket, count)`,
      latency,
    );
  }
}

const KEY = 'series, minute, saga_name, k1, k2, k3';
const HOUR_KEY = 'series, hour, saga_name, k1, k2, k3';

// Keys are written in sorted order (ORDER BY) so that a compaction and anything
// else updating these rows lock them in one order. Keys whose changes cancel
// out add nothing and are skipped.
const COMPACT_COUNTS = `
  WITH moved AS (DELETE FROM rollup_counts_delta RETURNING *),
  agg AS (
    SELECT ${KEY}, sum(calls)::int4 AS calls, sum(errors)::int4 AS errors, sum(retries)::int4 AS retries, sum(extra)::int4 AS extra
      FROM moved GROUP BY ${KEY}),
  m AS (
    INSERT INTO rollup_counts (${KEY}, calls, errors, retries, extra)
    SELECT * FROM agg WHERE calls <> 0 OR errors <> 0 OR retries <> 0 OR extra <> 0 ORDER BY ${KEY}
    ON CONFLICT (${KEY}) DO UPDATE SET
      calls = rollup_counts.calls + EXCLUDED.calls, errors = rollup_counts.errors + EXCLUDED.errors,
      retries = rollup_counts.retries + EXCLUDED.retries, extra = rollup_counts.extra + EXCLUDED.extra
    RETURNING 1),
  h AS (
    INSERT INTO rollup_counts_hourly (${HOUR_KEY}, calls, errors, retries, extra)
    SELECT series, date_trunc('hour', minute, 'UTC') AS hour, saga_name, k1, k2, k3,
           sum(calls)::int4, sum(errors)::int4, sum(retries)::int4, sum(extra)::int4
      FROM agg GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(calls) <> 0 OR sum(errors) <> 0 OR sum(retries) <> 0 OR sum(extra) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (${HOUR_KEY}) DO UPDATE SET
      calls = rollup_counts_hourly.calls + EXCLUDED.calls, errors = rollup_counts_hourly.errors + EXCLUDED.errors,
      retries = rollup_counts_hourly.retries + EXCLUDED.retries, extra = rollup_counts_hourly.extra + EXCLUDED.extra
    RETURNING 1)
  SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM m)::int AS minute_rows, (SELECT count(*) FROM h)::int AS hour_rows`;

const COMPACT_LATENCY = `
  WITH moved AS (DELETE FROM rollup_latency_delta RETURNING *),
  agg AS (SELECT ${KEY}, bucket, sum(count)::int4 AS count FROM moved GROUP BY ${KEY}, bucket),
  m AS (
    INSERT INTO rollup_latency (${KEY}, bucket, count)
    SELECT * FROM agg WHERE count <> 0 ORDER BY ${KEY}, bucket
    ON CONFLICT (${KEY}, bucket) DO UPDATE SET count = rollup_latency.count + EXCLUDED.count
    RETURNING 1),
  h AS (
    INSERT INTO rollup_latency_hourly (${HOUR_KEY}, bucket, count)
    SELECT series, date_trunc('hour', minute, 'UTC') AS hour, saga_name, k1, k2, k3, bucket, sum(count)::int4
      FROM agg GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(count) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (${HOUR_KEY}, bucket) DO UPDATE SET count = rollup_latency_hourly.count + EXCLUDED.count
    RETURNING 1)
  SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM m)::int AS minute_rows, (SELECT count(*) FROM h)::int AS hour_rows`;

export interface CompactionResult {
  /** Delta rows folded (0 when another compaction held the lock). */
  moved: number;
  /** Minute and hour rows written. */
  minuteRows: number;
  hourRows: number;
}

/**
 * Folds the pending rollup changes into the minute and hour tables, in one
 * transaction: a change is either still pending or folded, never both. Delta
 * rows committed while it runs are not in its snapshot and wait for the next pass.
 *
 * The periodic pass gives way when another compaction holds the lock; `wait`
 * (shutdown, a bulk load's last fold, tests) queues behind it instead, so that
 * everything committed before the call is folded when it returns.
 */
export async function compactRollups(db: Db, opts: { wait?: boolean } = {}): Promise<CompactionResult> {
  return db.transaction(async (tx) => {
    // One compaction at a time (several collectors); its own lock (lib/db/locks.ts), so audit appends neither wait for it nor stop it.
    if (opts.wait) await advisoryXactLock(tx, 'rollupCompaction');
    else if (!(await tryAdvisoryXactLock(tx, 'rollupCompaction'))) return { moved: 0, minuteRows: 0, hourRows: 0 };
    return foldRollups(tx);
  });
}

/** Folded delta rows after which the delta tables are vacuumed (`RollupCompactor`). */
export const VACUUM_AFTER_ROWS = 20_000;

/**
 * Readers scan the delta tables whole (they have no index: they are meant to
 * hold seconds of changes), and a scan reads dead rows' pages too. Folding
 * deletes every row it moves, so without a vacuum the tables keep the size of
 * everything ever appended until autovacuum comes round: after a 1 M-saga load
 * the latency delta table was 179 MB with no live row, and the 24 h chart query
 * read all of it (p95 72 → 147 ms). Vacuuming after every VACUUM_AFTER_ROWS
 * folded rows keeps them at a few seconds' worth; it does not block the
 * appends (ShareUpdateExclusiveLock) and gives its end-truncation up if they hold it.
 */
export class RollupCompactor {
  private foldedSinceVacuum = 0;

  constructor(private readonly db: Db, private readonly vacuumAfterRows = VACUUM_AFTER_ROWS) {}

  async pass(opts: { wait?: boolean } = {}): Promise<CompactionResult & { vacuumed: boolean }> {
    const r = await compactRollups(this.db, opts);
    this.foldedSinceVacuum += r.moved;
    if (this.foldedSinceVacuum < this.vacuumAfterRows) return { ...r, vacuumed: false };
    await vacuumRollupDeltas(this.db);
    this.foldedSinceVacuum = 0;
    return { ...r, vacuumed: true };
  }
}

/** VACUUM cannot run inside a transaction: one statement on a connection of its own. */
export async function vacuumRollupDeltas(db: Db): Promise<void> {
  await db.query('VACUUM rollup_counts_delta, rollup_latency_delta');
}

/** The folding itself, on a connection the caller holds in one transaction (or alone, as a bulk load does). */
export async function foldRollups(sql: Sql): Promise<CompactionResult> {
  const out: CompactionResult = { moved: 0, minuteRows: 0, hourRows: 0 };
  for (const statement of [COMPACT_COUNTS, COMPACT_LATENCY]) {
    const [r] = await sql.query<{ moved: number; minute_rows: number; hour_rows: number }>(statement);
    out.moved += r!.moved;
    out.minuteRows += r!.minute_rows;
    out.hourRows += r!.hour_rows;
  }
  return out;
}
