/**
 * The audit trail (table audit_log): append, read, verify. Append-only and
 * hash-chained (lib/audit/chain.ts); a database trigger refuses UPDATE, DELETE
 * and TRUNCATE. Appends are serialised by a transaction-level advisory lock so
 * concurrent writers — several UI processes included — extend one chain.
 * Each append also advances the high-water mark (audit_chain_head), and
 * verification checks the trail against its signed checkpoints
 * (lib/audit/checkpoint-store.ts, lib/audit/anchor.ts).
 *
 * For manual actions: call `appendAudit` before the call (outcome `intent`) and
 * after it (outcome `ok` / `failed`, `ref` = the intent's seq).
 */
import { z } from 'zod';
import type { Db, Sql, TxSql } from '../db/connection';
import type { AuditEntry, AuditPage } from './types';
import {
  ChainVerifier,
  GENESIS_HASH,
  canonicalJson,
  hashEntry,
  storableText,
  toStorableJson,
  type ChainReport,
  type ChainedEntry,
  type Json,
} from './chain';
import { advisoryXactLock } from '../db/locks';
import { checkAnchors, type AnchorCheck, type AnchorReport } from './checkpoint-store';
import { anchorCheckFrom } from './key';
import { loadConfig } from '../config/env';

const MAX_JSON_CHARS = 64 * 1024;

const text = (max: number) => z.string().min(1).max(max);
const optionalText = (max: number) => z.string().max(max).nullish().transform((v) => (v === undefined || v === '' ? null : v));

export const auditInputSchema = z.object({
  /** Who: a user name, `token:<name>`, `cli:<os user>`, `system`. */
  actor: text(200),
  /** The actor's role at the time (`anonymous`, `system` for non-users). */
  role: text(40),
  /** How they were authenticated: session | token | cli | setup | password | anonymous | system. */
  via: text(40),
  /** Dotted verb, e.g. `auth.login`, `user.create`, `export`, `saga.compensate`. */
  action: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'lower-case dotted words').max(100),
  sagaId: optionalText(512),
  step: optionalText(512),
  /** What was asked (JSON); secrets must not be passed. */
  request: z.unknown().optional(),
  /** What came out (JSON), e.g. an export manifest or an HTTP status. */
  result: z.unknown().optional(),
  /** ok | failed | denied | intent | aborted | … */
  outcome: text(50),
  reason: optionalText(4000),
  /** seq of the entry this one completes (outcome → intent). */
  ref: z.number().int().positive().nullish(),
});

export type AuditInput = z.input<typeof auditInputSchema>;

/** A stored entry (the API's AuditEntry shape). */
export type AuditRecord = AuditEntry;

function toRecord(e: ChainedEntry): AuditRecord {
  return {
    id: String(e.seq),
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    role: e.role,
    via: e.via,
    action: e.action,
    sagaId: e.sagaId,
    step: e.step,
    request: e.request,
    result: e.result,
    outcome: e.outcome,
    reason: e.reason,
    ref: e.ref,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

function boundedJson(label: string, value: unknown): Json {
  const json = toStorableJson(value);
  if (canonicalJson(json).length > MAX_JSON_CHARS) throw new Error(`appendAudit: ${label} is larger than ${MAX_JSON_CHARS} characters`);
  return json;
}

async function appendInTransaction(tx: Sql, input: AuditInput): Promise<AuditRecord> {
  const parsed = auditInputSchema.safeParse(input);
  if (!parsed.success) throw new Error(`appendAudit: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const v = parsed.data;
  const request = boundedJson('request', v.request ?? {});
  const result = v.result === undefined || v.result === null ? null : boundedJson('result', v.result);
  await advisoryXactLock(tx, 'auditChain');
  const head = await issuedHead(tx);
  const fields = {
    seq: head ? Number(head.seq) + 1 : 1,
    at: new Date().toISOString(),
    actor: storableText(v.actor),
    role: storableText(v.role),
    via: storableText(v.via),
    action: v.action,
    sagaId: v.sagaId === null ? null : storableText(v.sagaId),
    step: v.step === null ? null : storableText(v.step),
    request,
    result,
    outcome: storableText(v.outcome),
    reason: v.reason === null ? null : storableText(v.reason),
    ref: v.ref ?? null,
    prevHash: head ? head.hash : GENESIS_HASH,
  };
  const entry: ChainedEntry = { ...fields, hash: hashEntry(fields) };
  await tx.query(
    `INSERT INTO audit_log (seq, at, actor, role, via, action, saga_id, step, request, result, outcome, reason, ref, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15)`,
    [
      entry.seq,
      entry.at,
      entry.actor,
      entry.role,
      entry.via,
      entry.action,
      entry.sagaId,
      entry.step,
      JSON.stringify(entry.request),
      entry.result === null ? null : JSON.stringify(entry.result),
      entry.outcome,
      entry.reason,
      entry.ref,
      entry.prevHash,
      entry.hash,
    ],
  );
  await tx.query(
    `INSERT INTO audit_chain_head (id, seq, hash, updated_at) VALUES (1, $1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at`,
    [entry.seq, entry.hash, entry.at],
  );
  return toRecord(entry);
}

/**
 * The entry the next append follows: the highest ever issued, not merely the
 * newest row. Rows deleted from the end (the trigger disabled) leave the
 * high-water mark (audit_chain_head) and any checkpoint of them behind, so their
 * sequence numbers are never issued again and the deletion stays a visible gap.
 */
async function issuedHead(tx: Sql): Promise<{ seq: string; hash: string } | undefined> {
  const [head] = await tx.query<{ seq: string; hash: string }>(
    // ORDER BY heads.seq (the bigint), not the output column `seq` (text): as text "9" > "10",
    // which picked an older checkpoint's seq and reissued a used one (duplicate key at seq 10).
    `SELECT heads.seq::text AS seq, heads.hash FROM (
       (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1)
       UNION ALL (SELECT seq, hash FROM audit_chain_head WHERE id = 1)
       UNION ALL (SELECT seq, hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1)
     ) AS heads ORDER BY heads.seq DESC LIMIT 1`,
  );
  return head;
}

function isDb(x: Db | TxSql): x is Db {
  return typeof (x as Db).transaction === 'function';
}

/**
 * Appends one entry to the trail and returns it (with its seq and hash).
 * - `appendAudit(db, …)` commits the entry on its own.
 * - `appendAudit(tx, …)` inside `db.transaction(tx => …)` commits it together
 *   with the caller's change (or not at all); the chain lock is then held until
 *   that transaction ends, so keep such transactions short.
 * Throws on invalid input (see auditInputSchema) or a database error: a caller
 * must not go on with an action whose intent could not be recorded.
 */
export async function appendAudit(db: Db | TxSql, input: AuditInput): Promise<AuditRecord> {
  return isDb(db) ? db.transaction((tx) => appendInTransaction(tx, input)) : appendInTransaction(db, input);
}

// --- reading -----------------------------------------------------------------

interface AuditRow {
  seq: string;
  at: Date | string;
  actor: string;
  role: string;
  via: string;
  action: string;
  saga_id: string | null;
  step: string | null;
  request: string;
  result: string | null;
  outcome: string;
  reason: string | null;
  ref: string | null;
  prev_hash: string;
  hash: string;
}

const COLUMNS = `seq::text AS seq, at, actor, role, via, action, saga_id, step, request::text AS request, result::text AS result, outcome, reason, ref::text AS ref, prev_hash, hash`;

/** jsonb columns are selected as text, so every driver hands back the same thing. */
function jsonColumn(v: string): Json {
  return JSON.parse(v) as Json;
}

export function auditRowToEntry(r: AuditRow): ChainedEntry {
  return {
    seq: Number(r.seq),
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
    actor: r.actor,
    role: r.role,
    via: r.via,
    action: r.action,
    sagaId: r.saga_id,
    step: r.step,
    request: jsonColumn(r.request),
    result: r.result === null ? null : jsonColumn(r.result),
    outcome: r.outcome,
    reason: r.reason,
    ref: r.ref === null ? null : Number(r.ref),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface AuditQuery {
  from?: Date;
  to?: Date;
  actor?: string;
  action?: string;
  sagaId?: string;
  outcome?: string;
  /** Entries with seq below this (keyset paging, newest first). */
  beforeSeq?: number;
  limit: number;
}

export function auditWhere(q: Omit<AuditQuery, 'limit' | 'beforeSeq'>, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (sqlText: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sqlText(`$${params.length}`));
  };
  if (q.from) add((n) => `at >= ${n}`, q.from.toISOString());
  if (q.to) add((n) => `at <= ${n}`, q.to.toISOString());
  if (q.actor) add((n) => `actor = ${n}`, q.actor);
  if (q.action) add((n) => `(action = ${n} OR starts_with(action, ${n} || '.'))`, q.action);
  if (q.sagaId) add((n) => `saga_id = ${n}`, q.sagaId);
  if (q.outcome) add((n) => `outcome = ${n}`, q.outcome);
  return where;
}

/** Newest first, keyset-paged by seq. */
export async function listAudit(db: Sql, q: AuditQuery): Promise<AuditPage> {
  const params: unknown[] = [];
  const where = auditWhere(q, params);
  if (q.beforeSeq !== undefined) {
    params.push(q.beforeSeq);
    where.push(`seq < $${params.length}`);
  }
  params.push(q.limit + 1);
  const rows = await db.query<AuditRow>(
    `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.seq DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, q.limit).map((r) => toRecord(auditRowToEntry(r)));
  const last = page[page.length - 1];
  return { items: page, nextCursor: rows.length > q.limit && last ? String(last.seq) : null };
}

/** Entries targeting one saga, oldest first (the saga page's trail). */
export async function auditForSaga(db: Sql, sagaId: string, limit = 1000): Promise<AuditRecord[]> {
  const rows = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE saga_id = $1 ORDER BY audit_log.seq LIMIT $2`, [sagaId, limit]);
  return rows.map((r) => toRecord(auditRowToEntry(r)));
}

export async function auditEntry(db: Sql, seq: number): Promise<AuditRecord | null> {
  const [row] = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq = $1`, [seq]);
  return row ? toRecord(auditRowToEntry(row)) : null;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The newest entry's seq and hash (seq 0 and the genesis hash when the trail is empty). */
export async function auditHead(db: Sql): Promise<ChainHead> {
  const [row] = await db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1');
  return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** Entries in seq order, in batches, from `afterSeq` (exclusive) up to `toSeq` (inclusive). */
export async function* auditBatches(db: Sql, opts: { afterSeq?: number; toSeq?: number; batch?: number } = {}): AsyncGenerator<ChainedEntry[]> {
  const batch = opts.batch ?? 2000;
  let after = opts.afterSeq ?? 0;
  for (;;) {
    const params: unknown[] = [after, batch];
    let bound = '';
    if (opts.toSeq !== undefined) {
      params.push(opts.toSeq);
      bound = ` AND seq <= $3`;
    }
    const rows = await db.query<AuditRow>(`SELECT ${COLUMNS} FROM audit_log WHERE seq > $1${bound} ORDER BY audit_log.seq LIMIT $2`, params);
    if (rows.length === 0) return;
    const entries = rows.map(auditRowToEntry);
    yield entries;
    after = entries[entries.length - 1]!.seq;
    if (rows.length < batch) return;
  }
}

export interface VerifyReport extends ChainReport {
  /** The stored newest entry (may be beyond a break). */
  storedHead: ChainHead;
  /** The trail against its signed checkpoints and high-water mark (lib/audit/checkpoint-store.ts). */
  anchor: AnchorReport;
  checkedAt: string;
}

/**
 * Walks the whole trail in seq order and names the first broken link, then
 * checks it against every signed checkpoint (database and witness file) so
 * that a deleted tail or a re-hashed chain, which walk cleanly, are named too.
 * `ok` needs both; `firstBroken` is the chain's break, else the first anchor
 * problem. `anchor` defaults to the key and witness of this process's
 * configuration. Constant memory.
 */
export async function verifyAuditChain(db: Sql, opts: { anchor?: AnchorCheck } = {}): Promise<VerifyReport> {
  const storedHead = await auditHead(db);
  const verifier = new ChainVerifier('genesis');
  outer: for await (const entries of auditBatches(db, { toSeq: storedHead.seq })) {
    for (const e of entries) if (verifier.push(e)) break outer;
  }
  const report = verifier.report();
  // Rows removed from the end leave no gap; an entry count short of the head's seq does.
  if (report.ok && report.entries !== storedHead.seq) {
    report.ok = false;
    report.firstBroken = { seq: report.entries + 1, reason: `entry ${report.entries + 1} is missing` };
  }
  const anchor = await checkAnchors(db, opts.anchor ?? anchorCheckFrom(loadConfig()), storedHead.seq);
  const [problem] = anchor.problems;
  if (problem) {
    report.ok = false;
    report.firstBroken ??= { seq: problem.seq, reason: problem.reason };
  }
  return { ...report, storedHead, anchor, checkedAt: new Date().toISOString() };
}
