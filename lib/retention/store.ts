/**
 * Span retention: deletes spans older than a cutoff in small batches, then the
 * saga summaries left without spans. Run by the collector (collector/retention.ts).
 *
 * Concurrency (ingest keeps running, and several collectors may prune at once):
 * - Daily-partitioned spans (lib/db/span-partitions.ts): day partitions that end
 *   at or before the cutoff are dropped whole first; the batches below then run
 *   in each remaining leaf that can hold expired rows (DEFAULT and the day the
 *   cutoff falls in), each on its own table: a ctid names a row only within one.
 * - Spans: one short transaction per batch. Victims are picked with
 *   `FOR UPDATE SKIP LOCKED`, so a batch never waits on rows an ingest
 *   transaction (or another pruner) holds — those are left for the next run —
 *   and the pruner cannot take part in a deadlock. Rows are deleted by ctid
 *   (a TID scan), locked in the same statement, so the ctids cannot go stale.
 * - Saga summaries: candidates (no span left, last activity before the cutoff)
 *   are listed without locks, then deleted in a short transaction that holds
 *   the ingest's phase-2 advisory lock and re-checks both conditions. An ingest
 *   batch that brings a new span for such a saga either committed before (the
 *   re-check sees its span and keeps the summary) or runs its phase 2 after (it
 *   finds no summary and builds a new one from its spans).
 * - Resources (content-addressed, shared by spans) are NOT pruned: the table has
 *   no creation time, and an ingest batch inserts its resources in their own
 *   transaction before its spans, so "unreferenced" cannot be told apart from
 *   "about to be referenced". They are few (one row per distinct SDK resource).
 * - Business keys (saga_keys) are swept after the summaries: a pass that
 *   deleted summaries deletes every key whose saga is gone, in short
 *   statements over block ranges of the table, once a sample shows a quarter
 *   of a large table orphaned (KEY_SWEEP_POLICY). The table's one index is led
 *   by the value (ADR 0016), so keys cannot be found by saga id; until swept they
 *   are invisible, since `q` and `key=` match sagas through the summaries. A
 *   pass stopped early leaves its keys to the next pass that deletes summaries. A
 *   saga that comes back before the sweep keeps its old keys (ingest skips a
 *   key stored already); one that comes back while the sweep deletes them
 *   comes back without them (it needs a saga silent for the whole retention
 *   period that sends again within that instant).
 * - The audit trail (audit_log) and users, sessions, tokens, settings are never
 *   touched.
 */
import type { Db } from '../db/connection';
import { advisoryXactLockShared } from '../db/locks';
import { dropExpiredPartitions, spanLeaves } from '../db/span-partitions';

export const DEFAULT_RETENTION_BATCH = 5_000;

export interface PruneOptions {
  /** Spans with start_time strictly before this are deleted. */
  olderThan: Date;
  /** Rows per transaction (spans) / per statement (saga summaries). */
  batchSize?: number;
  /** Checked between batches: return false to stop early (collector shutdown). */
  shouldContinue?: () => boolean;
  /** Called after each committed batch (tests, metrics). */
  onBatch?: (table: 'spans' | 'sagas', deleted: number) => void;
}

export interface PruneResult {
  spansDeleted: number;
  sagasDeleted: number;
  /** Transactions that deleted spans (the last one may delete fewer than batchSize). */
  spanBatches: number;
  sagaBatches: number;
  /** Day partitions dropped whole (their rows are not counted in spansDeleted). */
  partitionsDropped: number;
  /** Business keys of deleted sagas swept (see the module comment). */
  keysDeleted: number;
  /** Always null: resource pruning is not done (see the module comment). */
  resourcesDeleted: null;
  /** False when shouldContinue stopped the run before it was done. */
  complete: boolean;
}

/** `table`: `spans`, or one leaf partition of it (never the partitioned parent: ctids repeat across leaves). */
const DELETE_SPANS = (table: string) => `
  WITH d AS (
    DELETE FROM ${table}
     WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM ${table} WHERE start_time < $1 LIMIT $2 FOR UPDATE SKIP LOCKED
     ))
    RETURNING 1)
  SELECT count(*)::int AS n FROM d`;

const SAGA_CANDIDATES = `
  SELECT s.id FROM sagas s
   WHERE s.id > $3 AND s.last_activity_at < $1
     AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.saga_id = s.id)
   ORDER BY s.id
   LIMIT $2`;

const DELETE_SAGAS = `
  WITH d AS (
    DELETE FROM sagas s
     WHERE s.id = ANY($2::text[]) AND s.last_activity_at < $1
       AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.saga_id = s.id)
    RETURNING 1)
  SELECT count(*)::int AS n FROM d`;

/** Table pages per sweep statement: about 25,000 keys, each checked against sagas_pkey. */
export const KEY_SWEEP_PAGES = 256;

export interface KeySweepPolicy {
  /** A table of at most this many pages is swept whenever summaries were deleted (cheap: ≤ ~100,000 keys). */
  alwaysBelowPages: number;
  /** A larger one is swept once a sample of KEY_SWEEP_PAGES pages finds at least this share of its keys orphaned. */
  share: number;
}

/**
 * Sweeping checks every key to delete the orphans among them, so a large
 * table is swept only once a quarter of it is orphaned: each sweep then checks
 * four keys per key it deletes (≈ 7 µs per deleted key on this machine,
 * docs/benchmarks-ingest.md), and the table stays below 4/3 of its live size.
 */
export const KEY_SWEEP_POLICY: KeySweepPolicy = { alwaysBelowPages: 4 * KEY_SWEEP_PAGES, share: 0.25 };

const ORPHAN_SAMPLE = (percent: number) => `
  SELECT count(*)::int AS sampled,
         count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM sagas s WHERE s.id = k.saga_id OFFSET 0))::int AS orphans
    FROM saga_keys k TABLESAMPLE SYSTEM (${percent})`;

// A TID range scan reads only the statement's pages; each key is an index probe of its
// saga (OFFSET 0 keeps the probe: as an anti-join the planner hashes all of sagas per statement).
const SWEEP_KEYS = `
  WITH d AS (
    DELETE FROM saga_keys k
     WHERE k.ctid >= $1::tid AND k.ctid < $2::tid
       AND NOT EXISTS (SELECT 1 FROM sagas s WHERE s.id = k.saga_id OFFSET 0)
    RETURNING 1)
  SELECT count(*)::int AS n FROM d`;

/**
 * Deletes the business keys whose saga summary is gone (see the module
 * comment), KEY_SWEEP_PAGES at a time, when the policy says the table is worth
 * sweeping; returns how many, and whether it swept. Stops early when
 * `shouldContinue` says so.
 */
export async function sweepOrphanKeys(
  db: Db, shouldContinue: () => boolean = () => true, policy: KeySweepPolicy = KEY_SWEEP_POLICY,
): Promise<{ swept: boolean; deleted: number; complete: boolean }> {
  const [{ pages }] = await db.query<{ pages: number }>(
    `SELECT (pg_relation_size('saga_keys') / current_setting('block_size')::int)::int AS pages`,
  );
  if (pages > policy.alwaysBelowPages) {
    const percent = Math.min(100, (100 * KEY_SWEEP_PAGES) / pages);
    const [sample] = await db.query<{ sampled: number; orphans: number }>(ORPHAN_SAMPLE(Number(percent.toFixed(6))));
    if (!sample || sample.sampled === 0 || sample.orphans / sample.sampled < policy.share) return { swept: false, deleted: 0, complete: true };
  }
  let deleted = 0;
  for (let from = 0; from < pages; from += KEY_SWEEP_PAGES) {
    if (!shouldContinue()) return { swept: true, deleted, complete: false };
    const [row] = await db.query<{ n: number }>(SWEEP_KEYS, [`(${from},0)`, `(${from + KEY_SWEEP_PAGES},0)`]);
    deleted += row?.n ?? 0;
  }
  return { swept: true, deleted, complete: true };
}

export async function pruneExpiredSpans(db: Db, opts: PruneOptions): Promise<PruneResult> {
  const batchSize = opts.batchSize ?? DEFAULT_RETENTION_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`pruneExpiredSpans: batchSize must be a positive integer, got ${batchSize}`);
  if (Number.isNaN(opts.olderThan.getTime())) throw new Error('pruneExpiredSpans: olderThan is not a valid date');
  const cutoff = opts.olderThan.toISOString();
  const goOn = opts.shouldContinue ?? (() => true);
  const result: PruneResult = {
    spansDeleted: 0, sagasDeleted: 0, spanBatches: 0, sagaBatches: 0, partitionsDropped: 0, keysDeleted: 0, resourcesDeleted: null, complete: false,
  };

  result.partitionsDropped = (await dropExpiredPartitions(db, opts.olderThan)).length;
  const leaves = (await spanLeaves(db)).filter((l) => l.fromMs === null || l.fromMs < opts.olderThan.getTime());
  for (const leaf of leaves) {
    for (;;) {
      if (!goOn()) return result;
      const n = await db.transaction(async (tx) => {
        const [row] = await tx.query<{ n: number }>(DELETE_SPANS(leaf.name), [cutoff, batchSize]);
        return row?.n ?? 0;
      });
      if (n === 0) break;
      result.spansDeleted += n;
      result.spanBatches += 1;
      opts.onBatch?.('spans', n);
      if (n < batchSize) break;
    }
  }

  let after = '';
  for (;;) {
    if (!goOn()) return result;
    const ids = (await db.query<{ id: string }>(SAGA_CANDIDATES, [cutoff, batchSize, after])).map((r) => r.id);
    if (ids.length === 0) break;
    const n = await db.transaction(async (tx) => {
      // The DELETE locks each row it removes and re-checks a row another writer
      // changed meanwhile (ADR 0012); the shared lock excludes an older collector.
      await advisoryXactLockShared(tx, 'ingestPhase2');
      const [row] = await tx.query<{ n: number }>(DELETE_SAGAS, [cutoff, ids]);
      return row?.n ?? 0;
    });
    if (n > 0) {
      result.sagasDeleted += n;
      result.sagaBatches += 1;
      opts.onBatch?.('sagas', n);
    }
    if (ids.length < batchSize) break;
    after = ids[ids.length - 1]!;
  }
  if (result.sagasDeleted > 0) {
    const swept = await sweepOrphanKeys(db, goOn);
    result.keysDeleted = swept.deleted;
    if (!swept.complete) return result;
  }
  result.complete = true;
  return result;
}

const DELETE_ROLLUPS = (table: string, time: string) => `
  WITH d AS (
    DELETE FROM ${table}
     WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${time} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED))
    RETURNING 1)
  SELECT count(*)::int AS n FROM d`;

/**
 * Rollup rows (lib/stats) older than the cutoff, in short batches that skip rows
 * an ingest transaction holds. Rollups outlive spans (default 90 days vs 7), so
 * charts keep their history after the raw spans are gone.
 */
export async function pruneExpiredRollups(db: Db, olderThan: Date, batchSize = DEFAULT_RETENTION_BATCH, shouldContinue: () => boolean = () => true): Promise<number> {
  let deleted = 0;
  // An hour row is deleted once the whole hour is past the cutoff.
  const hourCutoff = new Date(Math.floor(olderThan.getTime() / 3_600_000) * 3_600_000);
  const tables = [['rollup_counts', 'minute', olderThan], ['rollup_latency', 'minute', olderThan],
    ['rollup_counts_hourly', 'hour', hourCutoff], ['rollup_latency_hourly', 'hour', hourCutoff]] as const;
  for (const [table, time, cutoff] of tables) {
    for (;;) {
      if (!shouldContinue()) return deleted;
      const [row] = await db.query<{ n: number }>(DELETE_ROLLUPS(table, time), [cutoff.toISOString(), batchSize]);
      const n = row?.n ?? 0;
      deleted += n;
      if (n < batchSize) break;
    }
  }
  return deleted;
}

/** The cutoff for a retention of `days` days at `nowMs`. */
export function retentionCutoff(days: number, nowMs: number = Date.now()): Date {
  return new Date(nowMs - days * 86_400_000);
}
