/**
 * Rows for streamed exports, in batches, never all at once:
 * - PostgreSQL server: one REPEATABLE READ, READ ONLY transaction on a reserved
 *   connection with a server-side cursor (DECLARE … FETCH n): a consistent
 *   snapshot at constant memory, however many rows.
 * - Embedded PGlite (a single backend that a long transaction would block):
 *   keyset pages on the export's sort key.
 */
import type { Readable } from 'node:stream';
import type { Db, Sql } from '../db/connection';
import type { ExportRow } from './format';
import type { ExportSpec, SpanExport } from './query';
import { EVENTS_WITH_ISO_TIME_SQL, SpanCopyEncoder, SPAN_COPY_COLUMNS } from './span-copy';
import type { ExportFormat } from './format';
import { sagaRowToSummaryJson } from '../db/to-json';
import { auditWhere } from '../audit/store';

export const EXPORT_BATCH_ROWS = 1000;

interface Plan {
  /** SELECT … FROM … (no WHERE). */
  select: string;
  where: string[];
  params: unknown[];
  /** ORDER BY columns and their direction (all the same direction). */
  order: string[];
  descending: boolean;
  /** Values of the order columns in a row (keyset paging). */
  keyOf(row: Record<string, unknown>): unknown[];
  toRow(row: Record<string, unknown>): ExportRow;
}

const isoOf = (v: unknown): string | null => (v === null || v === undefined ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());

/** Epoch microseconds (int8 text) → ISO-8601 with 6 fraction digits. */
export function isoMicros(us: string | null): string | null {
  if (us === null) return null;
  const n = BigInt(us);
  const ms = n / 1000n - (n % 1000n < 0n ? 1n : 0n);
  const frac = ((n % 1000n) + 1000n) % 1000n;
  return new Date(Number(ms)).toISOString().replace(/Z$/, `${String(frac).padStart(3, '0')}Z`);
}

function push(plan: { params: unknown[] }, value: unknown): string {
  plan.params.push(value);
  return `$${plan.params.length}`;
}

function sagasPlan(spec: Extract<ExportSpec, { kind: 'sagas' }>, nowMs: number): Plan {
  const plan: Plan = {
    select: `SELECT id, name, protocol, status, status_after, status_changes_at, anomalies, anomalies_after, started_at,
                    last_span_end_at, duration_ms, services, trace_ids, step_count, span_count, failed_step,
                    compensation_count, time_to_consistency_ms, repaired_at, time_to_repair_ms
               FROM sagas`,
    where: [],
    params: [],
    order: ['started_at', 'id'],
    descending: true,
    keyOf: (r) => [r.started_at, r.id],
    toRow: (r) => {
      const summary = sagaRowToSummaryJson(
        {
          id: r.id as string,
          name: r.name as string | null,
          protocol: r.protocol as string,
          status: r.status as string,
          statusAfter: r.status_after as string | null,
          statusChangesAt: r.status_changes_at === null ? null : new Date(isoOf(r.status_changes_at)!),
          anomalies: r.anomalies as string[],
          anomaliesAfter: r.anomalies_after as string[],
          startedAt: new Date(isoOf(r.started_at)!),
          lastSpanEndAt: new Date(isoOf(r.last_span_end_at)!),
          durationMs: Number(r.duration_ms),
          services: r.services as string[],
          stepCount: Number(r.step_count),
          failedStep: r.failed_step as string | null,
          compensationCount: Number(r.compensation_count),
          timeToConsistencyMs: r.time_to_consistency_ms === null ? null : Number(r.time_to_consistency_ms),
          repairedAt: r.repaired_at === null ? null : new Date(isoOf(r.repaired_at)!),
          timeToRepairMs: r.time_to_repair_ms === null ? null : Number(r.time_to_repair_ms),
        },
        nowMs,
      );
      return {
        ...summary,
        spanCount: Number(r.span_count),
        traceIds: r.trace_ids as string[],
      };
    },
  };
  const now = new Date(nowMs).toISOString();
  if (spec.status) {
    const s = push(plan, spec.status);
    const n = push(plan, now);
    plan.where.push(`((status = ${s} AND (status_changes_at IS NULL OR status_changes_at > ${n})) OR (status_after = ${s} AND status_changes_at <= ${n}))`);
  }
  if (spec.anomaly) {
    const a = push(plan, spec.anomaly);
    const n = push(plan, now);
    plan.where.push(`((${a} = ANY(anomalies) AND (status_changes_at IS NULL OR status_changes_at > ${n})) OR (${a} = ANY(anomalies_after) AND status_changes_at <= ${n}))`);
  }
  if (spec.name) plan.where.push(`name = ${push(plan, spec.name)}`);
  if (spec.service) plan.where.push(`${push(plan, spec.service)} = ANY(services)`);
  if (spec.q) plan.where.push(`(id = ${push(plan, spec.q)} OR ${push(plan, spec.q.toLowerCase())} = ANY(trace_ids))`);
  if (spec.from) plan.where.push(`started_at >= ${push(plan, spec.from.toISOString())}`);
  if (spec.to) plan.where.push(`started_at <= ${push(plan, spec.to.toISOString())}`);
  return plan;
}

const micros = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::int8::text`;

function spansPlan(spec: Extract<ExportSpec, { kind: 'spans' }>): Plan {
  const num = (v: unknown) => (v === null ? null : Number(v));
  const plan: Plan = {
    select: `SELECT s.trace_id, s.span_id, s.parent_span_id, s.saga_id, s.service, s.name, s.kind,
                    ${micros('s.start_time')} AS start_us, ${micros('s.end_time')} AS end_us, s.duration_ms,
                    s.status_code, s.status_message, s.saga_name, s.protocol, s.role, s.step, s.step_index, s.branch_id,
                    s.op, s.attempt, s.result, s.action_url, s.compensate_url, s.idempotency_key,
                    s.attributes::text AS attributes, r.attributes::text AS resource, (${EVENTS_WITH_ISO_TIME_SQL})::text AS events,
                    ${micros('s.received_at')} AS received_us
               FROM spans s LEFT JOIN resources r ON r.id = s.resource_id`,
    where: [],
    params: [],
    order: ['s.trace_id', 's.span_id'],
    descending: false,
    keyOf: (r) => [r.trace_id, r.span_id],
    toRow: (r) => ({
      traceId: r.trace_id as string,
      spanId: r.span_id as string,
      parentSpanId: r.parent_span_id as string | null,
      sagaId: r.saga_id as string | null,
      service: r.service as string,
      name: r.name as string,
      kind: Number(r.kind),
      startedAt: isoMicros(r.start_us as string),
      endedAt: isoMicros(r.end_us as string),
      durationMs: Number(r.duration_ms),
      statusCode: Number(r.status_code),
      statusMessage: r.status_message as string | null,
      sagaName: r.saga_name as string | null,
      protocol: r.protocol as string | null,
      role: r.role as string | null,
      step: r.step as string | null,
      stepIndex: num(r.step_index),
      branchId: r.branch_id as string | null,
      op: r.op as string | null,
      attempt: num(r.attempt),
      result: r.result as string | null,
      actionUrl: r.action_url as string | null,
      compensateUrl: r.compensate_url as string | null,
      idempotencyKey: r.idempotency_key as string | null,
      attributes: r.attributes as string,
      resource: (r.resource as string | null) ?? null,
      events: (r.events as string | null) ?? null,
      receivedAt: isoMicros(r.received_us as string),
    }),
  };
  if (spec.saga) plan.where.push(`s.saga_id = ${push(plan, spec.saga)}`);
  if (spec.service) plan.where.push(`s.service = ${push(plan, spec.service)}`);
  if (spec.traceId) plan.where.push(`s.trace_id = ${push(plan, spec.traceId)}`);
  if (spec.from) plan.where.push(`s.start_time >= ${push(plan, spec.from.toISOString())}`);
  if (spec.to) plan.where.push(`s.start_time <= ${push(plan, spec.to.toISOString())}`);
  return plan;
}

function auditPlan(spec: Extract<ExportSpec, { kind: 'audit' }>, headSeq: number): Plan {
  const params: unknown[] = [];
  const where = auditWhere({ from: spec.from, to: spec.to, actor: spec.actor, action: spec.action, sagaId: spec.saga, outcome: spec.outcome }, params);
  params.push(headSeq);
  // The export is a snapshot: entries up to the chain head recorded in its manifest.
  where.push(`seq <= $${params.length}`);
  return {
    select: `SELECT seq::text AS seq, at, actor, role, via, action, saga_id, step, request::text AS request,
                    result::text AS result, outcome, reason, ref::text AS ref, prev_hash, hash
               FROM audit_log`,
    where,
    params,
    order: ['audit_log.seq'],
    descending: false,
    keyOf: (r) => [r.seq],
    toRow: (r) => ({
      seq: Number(r.seq),
      at: isoOf(r.at),
      actor: r.actor as string,
      role: r.role as string,
      via: r.via as string,
      action: r.action as string,
      sagaId: r.saga_id as string | null,
      step: r.step as string | null,
      request: r.request as string,
      result: r.result as string | null,
      outcome: r.outcome as string,
      reason: r.reason as string | null,
      ref: r.ref === null ? null : Number(r.ref),
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }),
  };
}

function planFor(spec: ExportSpec, ctx: ExportContext): Plan {
  switch (spec.kind) {
    case 'sagas':
      return sagasPlan(spec, ctx.nowMs);
    case 'spans':
      return spansPlan(spec);
    case 'audit':
      return auditPlan(spec, ctx.auditHeadSeq);
  }
}

export interface ExportContext {
  /** Audit exports stop at this seq (the head recorded in the manifest). */
  auditHeadSeq: number;
  /** Effective saga status is evaluated at this instant. */
  nowMs: number;
  batchRows?: number;
}

const orderBy = (p: Plan) => p.order.map((c) => `${c}${p.descending ? ' DESC' : ''}`).join(', ');
const whereClause = (w: string[]) => (w.length ? ` WHERE ${w.join(' AND ')}` : '');

async function* cursorBatches(db: Db, plan: Plan, batch: number): AsyncGenerator<ExportRow[]> {
  const conn = await db.reserve!();
  let finished = false;
  let broken = false;
  try {
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await conn.query(`DECLARE sagascope_export NO SCROLL CURSOR FOR ${plan.select}${whereClause(plan.where)} ORDER BY ${orderBy(plan)}`, plan.params);
    for (;;) {
      const rows = await conn.query(`FETCH FORWARD ${batch} FROM sagascope_export`);
      if (rows.length === 0) break;
      yield rows.map(plan.toRow);
    }
    await conn.query('COMMIT');
    finished = true;
  } finally {
    // Also reached when the consumer stops early (generator return): roll back, free the connection.
    if (!finished) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        broken = true;
      }
    }
    conn.release(broken);
  }
}

async function* keysetBatches(sql: Sql, plan: Plan, batch: number): AsyncGenerator<ExportRow[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const params = [...plan.params];
    const where = [...plan.where];
    if (after) {
      const placeholders = after.map((v) => {
        params.push(v instanceof Date ? v.toISOString() : v);
        return `$${params.length}`;
      });
      where.push(`(${plan.order.join(', ')}) ${plan.descending ? '<' : '>'} (${placeholders.join(', ')})`);
    }
    params.push(batch);
    const rows = await sql.query(`${plan.select}${whereClause(where)} ORDER BY ${orderBy(plan)} LIMIT $${params.length}`, params);
    if (rows.length === 0) return;
    yield rows.map(plan.toRow);
    if (rows.length < batch) return;
    after = plan.keyOf(rows[rows.length - 1]!);
  }
}

/** Export rows in batches of `batchRows` (default 1000), in the kind's order. */
export function exportBatches(db: Db, spec: ExportSpec, ctx: ExportContext): AsyncGenerator<ExportRow[]> {
  const plan = planFor(spec, ctx);
  const batch = ctx.batchRows ?? EXPORT_BATCH_ROWS;
  return db.reserve ? cursorBatches(db, plan, batch) : keysetBatches(db, plan, batch);
}

/** Rows per COPY of the spans fast path (one keyset page, one statement). */
export const SPAN_COPY_PAGE_ROWS = 50_000;

export interface EncodedExport {
  /** The body, in chunks; ends after the snapshot's transaction is closed. */
  chunks: AsyncGenerator<Uint8Array, void, undefined>;
  /** Data rows encoded so far. */
  rows(): number;
}

/**
 * The spans export on a PostgreSQL server, encoded (lib/export/span-copy.ts):
 * keyset pages of `COPY (SELECT … ORDER BY trace_id, span_id LIMIT n) TO STDOUT
 * (FORMAT binary)`, all in one REPEATABLE READ, READ ONLY transaction, so the
 * pages form one consistent snapshot as the cursor path's FETCHes do.
 * - COPY rather than FETCH: PostgreSQL streams a page while this process
 *   encodes it (the two run on different cores) instead of waiting for each
 *   round trip; the socket is read only as fast as the client reads, so memory
 *   stays at a few buffers.
 * - Pages with LIMIT rather than one COPY: a COPY is planned for all its rows
 *   (the whole table: a sort spilled to disk before the first row); a limited
 *   page gets the same index scan a cursor would.
 * - COPY takes no bind parameters: the filters and the page's start key are
 *   inlined as literals (escapeLiteral); the SQL around them is fixed.
 * - JIT is off: it compiles per page and only costs time on such scans.
 */
async function* spanCopyChunks(db: Db, spec: SpanExport, enc: SpanCopyEncoder, pageRows: number): AsyncGenerator<Uint8Array, void, undefined> {
  const plan = spansPlan(spec);
  const conn = await db.reserve!();
  const lit = (v: unknown) => conn.escapeLiteral(String(v));
  const where = plan.where.map((w) => w.replace(/\$(\d+)/g, (_, n: string) => lit(plan.params[Number(n) - 1])));
  const select = `SELECT ${SPAN_COPY_COLUMNS.map((c) => c.sql).join(', ')} FROM spans s LEFT JOIN resources r ON r.id = s.resource_id`;
  let finished = false;
  let copying: Readable | null = null;
  let broken = false;
  try {
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    await conn.query('SET LOCAL jit = off');
    let after: [string, string] | null = null;
    for (;;) {
      const conds = after ? [...where, `(s.trace_id, s.span_id) > (${lit(after[0])}, ${lit(after[1])})`] : where;
      enc.beginPage();
      copying = await conn.copyTo(`COPY (${select}${whereClause(conds)} ORDER BY s.trace_id, s.span_id LIMIT ${pageRows}) TO STDOUT (FORMAT binary)`);
      for await (const chunk of copying) {
        enc.push(chunk as Buffer);
        for (const out of enc.take()) yield out;
      }
      copying = null;
      if (!enc.pageEnded) throw new Error('span export: a COPY ended without its trailer');
      for (const out of enc.flush()) yield out;
      if (enc.rowsInPage < pageRows) break;
      after = enc.lastRowKey;
    }
    await conn.query('COMMIT');
    finished = true;
  } finally {
    if (copying) {
      // Stopped mid-COPY (client gone, or an error): the connection is mid-protocol.
      copying.destroy();
      broken = true;
    } else if (!finished) {
      try {
        await conn.query('ROLLBACK');
      } catch {
        broken = true;
      }
    }
    conn.release(broken);
  }
  for (const out of enc.finish()) yield out;
}

/**
 * The spans export on a PostgreSQL server through the COPY fast path, or null
 * when it cannot be used (embedded database; a database not in UTF-8, whose
 * text the fast path would copy unconverted).
 */
export async function spanCopyExport(db: Db, spec: SpanExport, format: ExportFormat, opts: { pageRows?: number } = {}): Promise<EncodedExport | null> {
  if (!db.reserve) return null;
  const [enc] = await db.query<{ server_encoding: string }>('SHOW server_encoding');
  if (enc?.server_encoding !== 'UTF8') return null;
  const encoder = new SpanCopyEncoder(format);
  return { chunks: spanCopyChunks(db, spec, encoder, opts.pageRows ?? SPAN_COPY_PAGE_ROWS), rows: () => encoder.rowCount };
}

/** The export entry of the audit trail for an export id (its final entry, or the intent while it runs). */
export async function findExportEntry(db: Sql, exportId: string): Promise<{ seq: number; outcome: string; hash: string; result: unknown } | null> {
  const [row] = await db.query<{ seq: string; outcome: string; hash: string; result: string | null }>(
    `SELECT seq::text AS seq, outcome, hash, result::text AS result FROM audit_log
      WHERE action = 'export' AND request->>'exportId' = $1 ORDER BY audit_log.seq DESC LIMIT 1`,
    [exportId],
  );
  return row ? { seq: Number(row.seq), outcome: row.outcome, hash: row.hash, result: row.result === null ? null : JSON.parse(row.result) } : null;
}

/** Finished exports whose body had this SHA-256 (the CLI's lookup without a manifest file). */
export async function findExportsBySha256(db: Sql, sha256: string): Promise<{ seq: number; result: unknown }[]> {
  const rows = await db.query<{ seq: string; result: string }>(
    `SELECT seq::text AS seq, result::text AS result FROM audit_log
      WHERE action = 'export' AND outcome = 'ok' AND result->>'sha256' = $1 ORDER BY audit_log.seq`,
    [sha256],
  );
  return rows.map((r) => ({ seq: Number(r.seq), result: JSON.parse(r.result) }));
}
