/**
 * The ingest transaction. One call writes a batch of span rows and brings the
 * affected saga summaries up to date, all in one commit (the collector
 * acknowledges only after it returns). See docs/adr/0001-ingest-transaction.md.
 *
 * Phase 1 (concurrent across writers): store the rows. On a PostgreSQL server
 * they are COPied straight into `spans` inside a savepoint; if any of them is
 * already stored (a re-sent batch), the savepoint is rolled back and the rows go
 * through a staging table and INSERT … ON CONFLICT DO NOTHING instead, which
 * names the new ones. PGlite has no COPY: one unnest INSERT … ON CONFLICT.
 * Phase 2 (per saga: the summary rows of the batch's sagas are locked in id
 * order and held to commit, lib/ingest/saga-locks.ts, ADR 0012): saga-id inheritance
 * against stored spans and summary recomputation. Two batches with spans of one
 * saga run its phase 2 one after the other, and READ COMMITTED takes a fresh
 * snapshot per statement, so the later one sees the other's spans and
 * summarises the saga from all of them; batches with no saga in common do not
 * wait for each other. A child stored before its parent is linked by the batch
 * that brings the parent, or, if the two batches overlapped and neither saw the
 * other's uncommitted rows, by the check each runs right after its commit
 * (`linkStoredOrphans`): the later of the two checks sees both.
 */
import type { Db, Sql, TxSql } from '../db/connection';
import type { SpanRow } from './span-row';
import type { ModelConfig, Saga, SagaSpan } from '../saga/types';
import { arrayLiteral } from '../db/pg-text';
import { COLUMN_LIST, SPAN_COLUMNS, type Value } from './span-copy';
import { spanCopyChunks, isEncoded } from './copy-block';
import { CommittedBatchError } from './errors';
import { upsertResources } from './resource-writer';
import { loadSagaSpans } from '../saga/span-store';
import { modelSagaSpans } from '../saga/model-store';
import { insertNewSummaries, upsertSummaries } from './summary-writer';
import { contributionOf, decodeContribution, encodeContribution, type Contribution } from '../stats/contribution';
import { RollupDelta } from '../stats/delta';
import { applyRollupDelta } from '../stats/rollup-writer';
import { enqueueSagaAlerts } from '../alerts/enqueue-store';
import { lockSummaries, readSummaries, type StoredSummary } from './saga-locks';
import { distinctKeys, insertKeys, keysOfRows, keysOfStoredSpans, keyWritesOfRows, writeKeys } from '../search/key-writer';
import { keyExtractorFor } from '../search/keys';

const MAX_DEPTH = 64;

export { COLUMN_LIST, spanCopyLine } from './span-copy';

const STAGE_DDL = `CREATE TEMP TABLE IF NOT EXISTS spans_stage (LIKE spans INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`;
// No conflict target: the key is (trace_id, span_id, shard_key), plus start_time
// in the daily-partitioned layout (lib/db/span-partitions.ts); either way a
// re-sent span has the same values in all of them (span-row.ts shardKeyOf).
const RETURNING = `ON CONFLICT DO NOTHING RETURNING trace_id, span_id`;

const key = (traceId: string, spanId: string) => traceId + spanId;

function keep(rows: readonly SpanRow[], inserted: readonly { trace_id: string; span_id: string }[]): SpanRow[] {
  if (inserted.length === rows.length) return rows as SpanRow[];
  const fresh = new Set(inserted.map((r) => key(r.trace_id, r.span_id)));
  return rows.filter((r) => fresh.has(key(r.traceId, r.spanId)));
}

async function insertViaCopy(tx: TxSql, rows: readonly SpanRow[]): Promise<SpanRow[]> {
  await tx.query('SAVEPOINT direct_copy');
  try {
    await tx.copyFrom!(`COPY spans (${COLUMN_LIST}) FROM STDIN`, spanCopyChunks(rows));
    await tx.query('RELEASE SAVEPOINT direct_copy');
    return rows as SpanRow[];
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  // Some spans were stored before (a retried export): let the database pick the new ones.
  await tx.query('ROLLBACK TO SAVEPOINT direct_copy');
  await tx.query(STAGE_DDL);
  await tx.copyFrom!(`COPY spans_stage (${COLUMN_LIST}) FROM STDIN`, spanCopyChunks(rows));
  const inserted = await tx.query<{ trace_id: string; span_id: string }>(
    `INSERT INTO spans (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM spans_stage ${RETURNING}`,
  );
  return keep(rows, inserted);
}

async function insertViaUnnest(tx: TxSql, rows: readonly SpanRow[]): Promise<SpanRow[]> {
  // Workers encode rows only for a database with COPY (collector/start-collector.ts): this would store empty text.
  if (rows.some(isEncoded)) throw new Error('rows encoded for COPY reached a database without COPY');
  const columns: Value[][] = SPAN_COLUMNS.map((c) => rows.map(c.value));
  const args = SPAN_COLUMNS.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const inserted = await tx.query<{ trace_id: string; span_id: string }>(
    `INSERT INTO spans (${COLUMN_LIST}) SELECT * FROM unnest(${args}) ${RETURNING}`,
    columns,
  );
  return keep(rows, inserted);
}

function dedupe(rows: readonly SpanRow[]): readonly SpanRow[] {
  // Span ids alone first: they are existing strings, so no key is built per
  // span; only a repeated span id (a re-sent span, or rarely the same id in
  // two traces) needs the full comparison below.
  const seen = new Set<string>();
  let repeated = false;
  for (const r of rows) {
    if (seen.has(r.spanId)) { repeated = true; break; }
    seen.add(r.spanId);
  }
  if (!repeated) return rows;
  const first = new Map<string, SpanRow>();
  for (const r of rows) if (!first.has(key(r.traceId, r.spanId))) first.set(key(r.traceId, r.spanId), r);
  return [...first.values()];
}

/** A span without a saga, as the orphan walks need it. */
type Orphan = Pick<SpanRow, 'traceId' | 'spanId' | 'parentSpanId'>;

/** For each orphan, the saga of its nearest stored ancestor that has one (the walk up through ancestors without a saga). */
const ANCESTOR_WALK = `WITH RECURSIVE up(trace_id, span_id, parent, depth) AS (
       SELECT *, 0 FROM unnest($1::text[], $2::text[], $3::text[])
       UNION ALL
       SELECT up.trace_id, up.span_id, p.parent_span_id, up.depth + 1
         FROM up JOIN spans p ON p.trace_id = up.trace_id AND p.span_id = up.parent
        WHERE p.saga_id IS NULL AND up.depth < ${MAX_DEPTH}
     ), found AS (
       SELECT up.trace_id, up.span_id, p.saga_id
         FROM up JOIN spans p ON p.trace_id = up.trace_id AND p.span_id = up.parent
        WHERE p.saga_id IS NOT NULL
     )`;

const walkArgs = (orphans: readonly Orphan[]) =>
  [orphans.map((o) => o.traceId), orphans.map((o) => o.spanId), orphans.map((o) => o.parentSpanId)];

/** The sagas `orphans` would join, as stored now: read before locking, so they are locked in order with the rest. */
async function ancestorSagas(sql: Sql, orphans: readonly Orphan[]): Promise<string[]> {
  if (orphans.length === 0) return [];
  const rows = await sql.query<{ saga_id: string }>(`${ANCESTOR_WALK} SELECT DISTINCT saga_id FROM found`, walkArgs(orphans));
  return rows.map((r) => r.saga_id);
}

/**
 * Orphans adopt the saga of their nearest stored ancestor, but only a saga in
 * `held` (whose summary row this transaction holds): one it does not hold would
 * have to be locked out of order. Such orphans stay orphans for now; the check
 * after commit links them.
 */
async function adoptFromAncestors(tx: TxSql, orphans: readonly Orphan[], held: ReadonlySet<string>): Promise<Map<string, string>> {
  const adopted = new Map<string, string>();
  if (orphans.length === 0 || held.size === 0) return adopted;
  const rows = await tx.query<{ trace_id: string; span_id: string; saga_id: string }>(
    `${ANCESTOR_WALK}
     UPDATE spans s SET saga_id = found.saga_id FROM found
      WHERE s.trace_id = found.trace_id AND s.span_id = found.span_id AND s.saga_id IS NULL
        AND found.saga_id = ANY($4::text[])
     RETURNING s.trace_id, s.span_id, s.saga_id`,
    [...walkArgs(orphans), arrayLiteral([...held])],
  );
  for (const r of rows) adopted.set(key(r.trace_id, r.span_id), r.saga_id);
  return adopted;
}

/**
 * Stored orphans below spans that now have a saga (child stored before parent)
 * join that saga. Orphans are rare, so the traces that have any are found
 * first (a probe of the small partial index per trace); the recursive walk
 * runs only for roots in those traces — usually none.
 */
async function adoptDescendants(tx: TxSql, roots: readonly SpanRow[]): Promise<Adopted[]> {
  if (roots.length === 0) return [];
  const traces = [...new Set(roots.map((r) => r.traceId))];
  const withOrphans = await tx.query<{ trace_id: string }>(
    `SELECT DISTINCT trace_id FROM spans WHERE saga_id IS NULL AND trace_id = ANY($1::text[])`,
    [arrayLiteral(traces)],
  );
  if (withOrphans.length === 0) return [];
  const orphanTraces = new Set(withOrphans.map((r) => r.trace_id));
  const candidates = roots.filter((r) => orphanTraces.has(r.traceId));
  return tx.query<Adopted>(
    `WITH RECURSIVE down(trace_id, span_id, saga_id, depth) AS (
       SELECT c.trace_id, c.span_id, r.saga_id, 0
         FROM unnest($1::text[], $2::text[], $3::text[]) AS r(trace_id, span_id, saga_id)
         JOIN spans c ON c.trace_id = r.trace_id AND c.parent_span_id = r.span_id AND c.saga_id IS NULL
       UNION ALL
       SELECT c.trace_id, c.span_id, down.saga_id, down.depth + 1
         FROM down JOIN spans c ON c.trace_id = down.trace_id AND c.parent_span_id = down.span_id AND c.saga_id IS NULL
        WHERE down.depth < ${MAX_DEPTH}
     )
     UPDATE spans s SET saga_id = down.saga_id FROM down
      WHERE s.trace_id = down.trace_id AND s.span_id = down.span_id AND s.saga_id IS NULL
     RETURNING s.trace_id, s.span_id, s.saga_id`,
    [
      arrayLiteral(candidates.map((r) => r.traceId)),
      arrayLiteral(candidates.map((r) => r.spanId)),
      arrayLiteral(candidates.map((r) => r.sagaId)),
    ],
  );
}

/** A stored span that joined a saga. */
interface Adopted {
  trace_id: string;
  span_id: string;
  saga_id: string;
}

/** A fresh row as the model sees it; `receivedMs` matches the stored received_at closely enough. */
function toSagaSpan(r: SpanRow, sagaId: string, receivedMs: number): SagaSpan {
  return {
    sagaId, sagaName: r.sagaName, protocol: r.protocol, role: r.role, step: r.step, stepIndex: r.stepIndex,
    branchId: r.branchId, op: r.op, attempt: r.attempt, result: r.result, actionUrl: r.actionUrl,
    compensateUrl: r.compensateUrl, idempotencyKey: r.idempotencyKey, trigger: r.trigger, zeroCode: r.zeroCode,
    traceId: r.traceId, spanId: r.spanId, parentSpanId: r.parentSpanId, service: r.service, name: r.name,
    startMs: r.startMs, endMs: r.endMs, statusCode: r.statusCode, statusMessage: r.statusMessage, receivedMs,
  };
}

export interface WriteResult {
  /** Spans new to the database (re-sent ones are not counted). */
  stored: number;
  sagasUpdated: number;
  /** Sagas at the size limit whose new spans were stored but not modelled. */
  sagasAtLimit?: number;
  /** Time spent waiting for the summary row locks, and holding them until commit (ms). */
  lockWaitMs?: number;
  lockHeldMs?: number;
  /** Stored orphans linked by the check after commit (`linkStoredOrphans` below). */
  linkedAfterCommit?: number;
}

/** A saga's summary and rollup contribution, computed from its spans. */
interface Modelled {
  saga: Saga;
  contribution: Contribution;
}

/** Through lib/saga/model-store.ts, as the page, the topology and the backfill: the same cut of an oversized saga. */
function model(id: string, all: SagaSpan[], cfg: ModelConfig, maxSagaSpans: number): Modelled {
  const { saga, spans } = modelSagaSpans(id, all, cfg, maxSagaSpans);
  return { saga, contribution: contributionOf(saga, spans) };
}

/** The batch's spans of each saga they name, as the model sees them. */
export function groupBySaga(rows: readonly SpanRow[], receivedMs: number): Map<string, SagaSpan[]> {
  const bySaga = new Map<string, SagaSpan[]>();
  for (const r of rows) {
    if (r.sagaId === null) continue;
    const span = toSagaSpan(r, r.sagaId, receivedMs);
    const list = bySaga.get(r.sagaId);
    if (list) list.push(span);
    else bySaga.set(r.sagaId, [span]);
  }
  return bySaga;
}

/** A summary computed for this batch, with what it replaces. */
interface Prepared extends Modelled {
  /** The stored summary it was computed against (undefined: the saga was new). */
  against: StoredSummary | undefined;
  old: Contribution | null;
}

/**
 * Models sagas of this batch from the stored spans (this transaction's new rows
 * included) and what is stored about them, as of now: ids → prepared summary.
 * A saga without a summary is modelled from `batchSpans` alone, unless
 * `reloadAll` (it may have gained stored spans by adoption). Sagas whose
 * summary is at the size limit are left out.
 */
async function prepare(
  tx: TxSql, ids: readonly string[], batchSpans: () => Map<string, SagaSpan[]>,
  cfg: ModelConfig, maxSagaSpans: number, reloadAll = false,
): Promise<{ prepared: Map<string, Prepared>; atLimit: Set<string> }> {
  const prepared = new Map<string, Prepared>();
  const atLimit = new Set<string>();
  if (ids.length === 0) return { prepared, atLimit };
  const stored = new Map((await readSummaries(tx, ids)).map((r) => [r.id, r]));
  for (const [id, s] of stored) if (Number(s.span_count) >= maxSagaSpans) atLimit.add(id); // stays as it is (lib/saga/span-store.ts)
  const reload = ids.filter((id) => !atLimit.has(id) && (reloadAll || stored.has(id)));
  const spansOf = await loadSagaSpans(tx, reload);
  let inBatch: Map<string, SagaSpan[]> | undefined;
  for (const id of ids) {
    if (atLimit.has(id)) continue;
    const all = spansOf.get(id) ?? (inBatch ??= batchSpans()).get(id);
    if (!all) continue;
    const against = stored.get(id);
    prepared.set(id, { ...model(id, all, cfg, maxSagaSpans), against, old: decodeContribution(against?.rollup ?? null) });
  }
  return { prepared, atLimit };
}

export async function writeSpanBatch(
  db: Db,
  batch: readonly SpanRow[],
  modelConfig: (nowMs: number) => ModelConfig,
  /**
   * maxSagaSpans: SAGASCOPE_MAX_SAGA_SPANS — the same cap as every other reader of the saga (lib/saga/model-store.ts).
   * keyAttributes: SAGASCOPE_KEY_ATTRIBUTES, for the keys of stored spans adopted by a saga (rows carry their own).
   */
  opts: { maxSagaSpans: number; keyAttributes?: readonly string[] | null },
): Promise<WriteResult> {
  const { maxSagaSpans } = opts;
  const rows = dedupe(batch);
  if (rows.length === 0) return { stored: 0, sagasUpdated: 0 };
  await upsertResources(db, rows);
  let lockedAt = 0;
  // Traces the check after commit looks at; all of the batch's when no new span
  // was stored (a retry whose first attempt committed may not have checked).
  let checkTraces: Iterable<string> = rows.map((r) => r.traceId);
  const result = await db.transaction(async (tx): Promise<WriteResult> => {
    const fresh = tx.copyFrom ? await insertViaCopy(tx, rows) : await insertViaUnnest(tx, rows);
    if (fresh.length === 0) return { stored: 0, sagasUpdated: 0 };

    // Optimistic phase 2. BEFORE the locks: read the stored summaries of the
    // batch's sagas, reload and model them (new ones from the batch alone),
    // append their rollup changes (old → new; changes add up, ADR 0003) and
    // insert the summaries of the new ones. UNDER the locks (the summary rows of
    // the batch's sagas, ADR 0012): link orphans, take the summaries as locked,
    // and keep every prepared one whose row is unchanged (same xmin) — nothing
    // else can have stored spans of it meanwhile, since storing spans of a saga
    // always rewrites its summary while holding its row. Only the others
    // (changed by a concurrent batch, inserted first by one, or gaining spans by
    // adoption) are modelled again, their prepared change taken back.
    const preparedAt = Date.now();
    const named = [...new Set(fresh.flatMap((r) => (r.sagaId === null ? [] : [r.sagaId])))];
    const early = await prepare(tx, named, () => groupBySaga(fresh, preparedAt), modelConfig(preparedAt), maxSagaSpans);
    const speculative = new RollupDelta();
    for (const p of early.prepared.values()) speculative.change(p.old, p.contribution);
    await applyRollupDelta(tx, speculative);
    // Sagas without a summary yet get theirs now, also before the lock: nothing
    // else can see these rows until commit, so no batch holding the lock ever
    // waits on them (a batch with spans of the same new saga inserts it too, and
    // waits here, before the lock). An id not returned was committed by another
    // batch first: that saga is modelled again under the lock.
    const brandNew = [...early.prepared.values()].filter((p) => p.against === undefined);
    const preInserted = await insertNewSummaries(
      tx, brandNew.map((p) => p.saga), preparedAt, brandNew.map((p) => encodeContribution(p.contribution)),
    );
    // Business keys of the spans that name their saga (lib/search/key-writer.ts: before the locks),
    // from the batch as received: a span dropped as a duplicate may carry its request's key lines.
    await writeKeys(tx, keyWritesOfRows(batch, preInserted));

    // The sagas this batch's orphans would join are read before locking, so
    // that they are locked in id order with the batch's own.
    const orphans = fresh.filter((r) => r.sagaId === null && r.parentSpanId !== null);
    const targets = await ancestorSagas(tx, orphans);
    const waitFrom = performance.now();
    // Sagas this batch inserted are held already (and invisible to FOR UPDATE).
    const now = await lockSummaries(tx, [...named, ...targets].filter((id) => !preInserted.has(id)));
    lockedAt = performance.now();
    const lockWaitMs = lockedAt - waitFrom;
    // Named sagas are held, or (a summary removed by retention meanwhile) get a
    // row from this transaction's upsert: adoption into them is safe.
    const held = new Set([...named, ...now.keys()]);
    const adopted = await adoptFromAncestors(tx, orphans, held);
    const roots: SpanRow[] = [];
    for (const r of fresh) {
      if (r.sagaId !== null) roots.push(r);
      else {
        const sagaId = adopted.get(key(r.traceId, r.spanId));
        if (sagaId !== undefined) roots.push({ ...r, sagaId });
      }
    }
    const descendants = await adoptDescendants(tx, roots);
    const touchedStored = new Set(descendants.map((d) => d.saga_id));
    // Keys of spans that joined a saga by adoption (rare: a child exported before its parent).
    if (adopted.size > 0 || descendants.length > 0) {
      const ownKeys = keysOfRows(roots.filter((r) => r.keys !== null && adopted.has(key(r.traceId, r.spanId))));
      const storedKeys = await keysOfStoredSpans(tx, descendants, keyExtractorFor(opts.keyAttributes));
      await insertKeys(tx, distinctKeys([...ownKeys, ...storedKeys]));
    }
    // A concurrent batch may hold what these link to: the parents of orphans
    // left unlinked, or orphans below spans that name a saga.
    checkTraces = new Set([...roots.map((r) => r.traceId), ...orphans.filter((o) => !adopted.has(key(o.traceId, o.spanId))).map((o) => o.traceId)]);
    // Sagas that gained spans by adoption: their prepared model lacks them.
    const gained = new Set([...adopted.values(), ...touchedStored]);

    const affected = [...new Set([...roots.map((r) => r.sagaId!), ...touchedStored])];
    const correction = new RollupDelta();
    const keep = new Map<string, Prepared>();
    const redo: string[] = [];
    const written: Prepared[] = [];
    for (const id of affected) {
      const p = early.prepared.get(id);
      if (p && preInserted.has(id)) {
        // Stored already, and this batch holds the row. Only adoption can have
        // added spans; re-modelled, the row itself says what to take back.
        if (gained.has(id)) redo.push(id);
        else written.push(p);
        continue;
      }
      const unchanged = p?.against !== undefined && now.get(id)?.version === p.against.version;
      if (p && unchanged && !gained.has(id)) keep.set(id, p);
      else {
        if (p) correction.change(p.contribution, p.old); // take the prepared change back
        if (!early.atLimit.has(id)) redo.push(id); // a summary at the size limit stays at it
      }
    }
    const nowMs = Date.now();
    const late = await prepare(tx, redo, () => groupBySaga(roots, nowMs), modelConfig(nowMs), maxSagaSpans, true);
    for (const p of late.prepared.values()) correction.change(p.old, p.contribution);

    const done = [...keep.values(), ...late.prepared.values()];
    await upsertSummaries(tx, done.map((p) => p.saga), nowMs, done.map((p) => encodeContribution(p.contribution)));
    await applyRollupDelta(tx, correction);
    const sagas = [...written, ...done].map((p) => p.saga);
    await enqueueSagaAlerts(tx, sagas.map((s) => s.id), nowMs);
    const atLimit = new Set([...early.atLimit, ...late.atLimit].filter((id) => !keep.has(id) && !late.prepared.has(id)));
    return { stored: fresh.length, sagasUpdated: sagas.length, sagasAtLimit: atLimit.size, lockWaitMs };
  });
  // The locks are released by the commit, so their hold includes it.
  if (lockedAt > 0) result.lockHeldMs = performance.now() - lockedAt;
  // Orphans and parents that overlapping batches stored without seeing each
  // other are linked now, before the batch is acknowledged. Run for every
  // batch, including a retried one whose first attempt committed. A failure
  // here comes after the commit: the pipeline may write the batch again, but
  // must not refuse it (CommittedBatchError).
  try {
    result.linkedAfterCommit = await linkStoredOrphans(db, [...checkTraces], modelConfig, opts);
  } catch (err) {
    throw new CommittedBatchError(result.stored, err);
  }
  return result;
}

const ORPHAN_TRACES = `SELECT DISTINCT trace_id FROM spans WHERE saga_id IS NULL AND parent_span_id IS NOT NULL AND trace_id = ANY($1::text[])`;
const STORED_ORPHANS = `SELECT trace_id, span_id, parent_span_id FROM spans WHERE saga_id IS NULL AND parent_span_id IS NOT NULL AND trace_id = ANY($1::text[])`;

/**
 * Links stored orphans in `traceIds` to the saga of their nearest stored
 * ancestor, and rebuilds those sagas' summaries and rollups; returns the number
 * of spans linked. Every ingest batch runs it right after its commit, on its
 * own traces. Why that is enough: an orphan O and its ancestor P stored by two
 * overlapping batches A and B, each unable to see the other's uncommitted rows;
 * A's check starts after A's commit, B's after B's. If B committed before A's
 * check started, A's check sees P; otherwise B's commit (and so B's check) comes
 * after A's check started, which is after A's commit: B's check sees O. The
 * usual probe of the orphan index finds nothing and ends it. The collector's
 * periodic pass calls it too, for orphans left by a process that stopped
 * between a commit and its check.
 */
export async function linkStoredOrphans(
  db: Db, traceIds: readonly string[], modelConfig: (nowMs: number) => ModelConfig,
  opts: { maxSagaSpans: number; keyAttributes?: readonly string[] | null },
): Promise<number> {
  if (traceIds.length === 0) return 0;
  const traces = (await db.query<{ trace_id: string }>(ORPHAN_TRACES, [arrayLiteral([...new Set(traceIds)])])).map((r) => r.trace_id);
  if (traces.length === 0) return 0;
  return db.transaction(async (tx) => {
    const orphans: Orphan[] = (await tx.query<{ trace_id: string; span_id: string; parent_span_id: string }>(STORED_ORPHANS, [arrayLiteral(traces)]))
      .map((r) => ({ traceId: r.trace_id, spanId: r.span_id, parentSpanId: r.parent_span_id }));
    const targets = await ancestorSagas(tx, orphans);
    if (targets.length === 0) return 0; // their ancestors are not stored yet
    const locked = await lockSummaries(tx, targets);
    // A target whose row is gone (retention) or that changed between the walk
    // and the lock is skipped: whatever changed it runs this check itself.
    const adopted = await adoptFromAncestors(tx, orphans, new Set(locked.keys()));
    if (adopted.size === 0) return 0;
    // The business keys of the orphans that joined a saga here (lib/search/key-writer.ts).
    const joined = orphans.flatMap((o) => {
      const sagaId = adopted.get(key(o.traceId, o.spanId));
      return sagaId === undefined ? [] : [{ trace_id: o.traceId, span_id: o.spanId, saga_id: sagaId }];
    });
    await insertKeys(tx, await keysOfStoredSpans(tx, joined, keyExtractorFor(opts.keyAttributes)));
    const nowMs = Date.now();
    const gained = [...new Set(adopted.values())];
    const { prepared } = await prepare(tx, gained, () => new Map(), modelConfig(nowMs), opts.maxSagaSpans, true);
    const delta = new RollupDelta();
    for (const p of prepared.values()) delta.change(p.old, p.contribution);
    const done = [...prepared.values()];
    await upsertSummaries(tx, done.map((p) => p.saga), nowMs, done.map((p) => encodeContribution(p.contribution)));
    await applyRollupDelta(tx, delta);
    await enqueueSagaAlerts(tx, done.map((p) => p.saga.id), nowMs);
    return adopted.size;
  });
}
