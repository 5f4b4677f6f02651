/**
 * Writes business keys (table saga_keys) inside the ingest transaction
 * (lib/ingest/span-writer.ts), so a saga is findable by its keys exactly when its
 * spans are committed. One row per (saga, name, value): re-sent and repeated
 * keys are skipped.
 *
 * Two ways in, by whose summary row the transaction holds (ADR 0012):
 * - Keys of sagas whose summary this transaction inserted (new sagas, most
 *   keys) go in by COPY, without a conflict check: no other transaction can
 *   hold a key of such a saga. Keys are written only by a transaction that
 *   inserted or found the saga's summary; one that inserted it first would have
 *   made this one's insert wait and find it, one that found it committed means
 *   this one would have found it too. The gaps are keys left by a saga
 *   that retention removed and that comes back before they are swept
 *   (lib/retention/store.ts), and retention removing a summary while another
 *   batch still writes keys of it: both end in a unique violation, and then the
 *   keys take the second way. COPY with no conflict arbiter costs PostgreSQL a third less
 *   per key than INSERT … ON CONFLICT (docs/benchmarks-ingest.md, issue 18).
 * - Keys of sagas stored before go in by INSERT … ON CONFLICT DO NOTHING,
 *   sorted, before the transaction locks the summaries: two batches inserting
 *   overlapping keys wait for each other in one order (no deadlock).
 * Keys of spans that joined a saga by adoption are known only under the
 * summary locks; they go in under a short lock_timeout, so a batch holding
 * locks never waits long on a key another batch inserted before its locks
 * (that batch may be waiting for this one's locks); a row that times out is
 * the very row the other batch is inserting, and is skipped.
 */
import type { Sql, TxSql } from '../db/connection';
import type { SpanRow } from '../ingest/span-row';
import { arrayLiteral, copyText } from '../db/pg-text';
import type { KeyExtractor } from './keys';

/** A key of one saga, as stored. */
export interface SagaKeyRow {
  sagaId: string;
  name: string;
  value: string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortKeys = (keys: SagaKeyRow[]) => keys.sort((a, b) => cmp(a.sagaId, b.sagaId) || cmp(a.name, b.name) || cmp(a.value, b.value));

/** The distinct keys of rows that have a saga id, sorted by (saga, name, value). */
export function keysOfRows(rows: readonly Pick<SpanRow, 'sagaId' | 'keys'>[]): SagaKeyRow[] {
  const seen = new Set<string>();
  const out: SagaKeyRow[] = [];
  for (const r of rows) {
    const k = r.keys;
    if (k === null || r.sagaId === null) continue;
    for (let i = 0; i < k.length; i += 2) {
      const id = r.sagaId + '\u0000' + k[i] + '\u0000' + k[i + 1];
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ sagaId: r.sagaId, name: k[i]!, value: k[i + 1]! });
    }
  }
  return sortKeys(out);
}

/** A batch's keys by the way they are written (see the module comment). */
export interface KeyWrites {
  /** Keys of sagas whose summary the transaction inserted, as COPY text, each once ('' when none). */
  copyText: string;
  /** The same keys as rows, sorted: for when the COPY meets a stored key (rare, so built only then). */
  copyRows: () => SagaKeyRow[];
  /** Keys of the other sagas, sorted by (saga, name, value). */
  upsert: SagaKeyRow[];
}

/** What keyWritesOfRows has written of one new saga. */
interface Written {
  /** The saga id as a COPY field and its tab. */
  prefix: string;
  /** Key arrays seen (rows of a saga share their array when their keys repeat: lib/ingest/span-row.ts). */
  arrays: (readonly string[])[];
  /** Pairs written, flat [name, value, …]; past PAIRS_SCANNED of them, `set` holds them too. */
  pairs: string[];
  set: Set<string> | null;
}
const ARRAYS_SCANNED = 8;
const PAIRS_SCANNED = 32;

function firstTime(w: Written, name: string, value: string): boolean {
  if (w.set !== null) {
    const id = name + '\u0000' + value;
    if (w.set.has(id)) return false;
    w.set.add(id);
    return true;
  }
  for (let i = 0; i < w.pairs.length; i += 2) if (w.pairs[i] === name && w.pairs[i + 1] === value) return false;
  w.pairs.push(name, value);
  if (w.pairs.length > 2 * PAIRS_SCANNED) {
    w.set = new Set();
    for (let i = 0; i < w.pairs.length; i += 2) w.set.add(w.pairs[i] + '\u0000' + w.pairs[i + 1]);
  }
  return true;
}

/**
 * Splits the keys of rows that have a saga id by whether the transaction
 * inserted the saga's summary (`ownSummaries`). Runs on the collector's main
 * thread for every span, so the common case allocates little: a repeated key
 * array is recognised by identity, a repeated pair by a short scan of the
 * saga's pairs, and only a pair seen first becomes text.
 */
export function keyWritesOfRows(
  rows: readonly Pick<SpanRow, 'sagaId' | 'keys'>[], ownSummaries: ReadonlySet<string>,
): KeyWrites {
  const written = new Map<string, Written>();
  const others: Pick<SpanRow, 'sagaId' | 'keys'>[] = [];
  let text = '';
  for (const r of rows) {
    const k = r.keys;
    const sagaId = r.sagaId;
    if (k === null || sagaId === null) continue;
    if (!ownSummaries.has(sagaId)) {
      others.push(r);
      continue;
    }
    let w = written.get(sagaId);
    if (w === undefined) written.set(sagaId, (w = { prefix: copyText(sagaId) + '\t', arrays: [k], pairs: [], set: null }));
    else if (w.arrays.includes(k)) continue;
    else if (w.arrays.length < ARRAYS_SCANNED) w.arrays.push(k);
    for (let i = 0; i < k.length; i += 2) {
      if (firstTime(w, k[i]!, k[i + 1]!)) text += w.prefix + copyText(k[i]!) + '\t' + copyText(k[i + 1]!) + '\n';
    }
  }
  const own = () => rows.filter((r) => r.sagaId !== null && ownSummaries.has(r.sagaId));
  return { copyText: text, copyRows: () => keysOfRows(own()), upsert: keysOfRows(others) };
}

const COPY_KEYS = 'COPY saga_keys (saga_id, name, value) FROM STDIN';
const UNIQUE_VIOLATION = '23505';

/** Writes a batch's keys before the summary locks (see the module comment). */
export async function writeKeys(tx: TxSql, writes: KeyWrites): Promise<void> {
  let upsert = writes.upsert;
  if (writes.copyText !== '') {
    if (tx.copyFrom === undefined) upsert = sortKeys([...upsert, ...writes.copyRows()]);
    else {
      await tx.query('SAVEPOINT new_saga_keys');
      try {
        await tx.copyFrom(COPY_KEYS, [writes.copyText]);
        await tx.query('RELEASE SAVEPOINT new_saga_keys');
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT new_saga_keys');
        upsert = sortKeys([...upsert, ...writes.copyRows()]);
      }
    }
  }
  await insertKeys(tx, upsert);
}

const INSERT = `INSERT INTO saga_keys (saga_id, name, value)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`;

const params = (keys: readonly SagaKeyRow[]) => [
  arrayLiteral(keys.map((k) => k.sagaId)), arrayLiteral(keys.map((k) => k.name)), arrayLiteral(keys.map((k) => k.value)),
];

/** Inserts keys sorted by keysOfRows, before the summary locks. */
export async function insertKeys(sql: Sql, keys: readonly SagaKeyRow[]): Promise<void> {
  if (keys.length > 0) await sql.query(INSERT, params(keys));
}

/** How long a key insert under the summary locks waits for another transaction's identical row. */
const ADOPTED_LOCK_TIMEOUT = '200ms';
const LOCK_NOT_AVAILABLE = '55P03';

/** Inserts keys under the summary locks, never waiting long on another batch's uncommitted row (see the module comment). */
export async function insertKeysUnderLock(tx: TxSql, keys: readonly SagaKeyRow[]): Promise<{ skipped: number }> {
  if (keys.length === 0) return { skipped: 0 };
  const [{ timeout }] = await tx.query<{ timeout: string }>(`SELECT current_setting('lock_timeout') AS timeout`);
  const attempt = async (rows: readonly SagaKeyRow[]): Promise<boolean> => {
    await tx.query('SAVEPOINT adopted_keys');
    try {
      await tx.query(`SELECT set_config('lock_timeout', '${ADOPTED_LOCK_TIMEOUT}', true)`);
      await tx.query(INSERT, params(rows));
      await tx.query('RELEASE SAVEPOINT adopted_keys');
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT adopted_keys');
      return false;
    }
  };
  let skipped = 0;
  try {
    // All at once; if one of them is held by another batch, one by one to find it.
    if (!(await attempt(keys))) {
      if (keys.length === 1) skipped = 1;
      else for (const k of keys) if (!(await attempt([k]))) skipped++;
    }
  } finally {
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [timeout]);
  }
  return { skipped };
}

/**
 * Keys of stored spans that joined a saga just now (orphans adopted when their
 * ancestor arrived): read back with their resources and extracted as on ingest.
 */
export async function keysOfStoredSpans(
  sql: Sql, spans: readonly { trace_id: string; span_id: string; saga_id: string }[], extractor: KeyExtractor,
): Promise<SagaKeyRow[]> {
  if (spans.length === 0) return [];
  const rows = await sql.query<{ saga_id: string; attributes: string; resource: string | null }>(
    `SELECT s.saga_id, s.attributes::text AS attributes, r.attributes::text AS resource
       FROM unnest($1::text[], $2::text[]) AS a(trace_id, span_id)
       JOIN spans s ON s.trace_id = a.trace_id AND s.span_id = a.span_id
       LEFT JOIN resources r ON r.id = s.resource_id`,
    [arrayLiteral(spans.map((s) => s.trace_id)), arrayLiteral(spans.map((s) => s.span_id))],
  );
  return keysOfRows(rows.map((r) => ({
    sagaId: r.saga_id,
    keys: extractor.extract(JSON.parse(r.attributes), r.resource === null ? null : extractor.extract(JSON.parse(r.resource))),
  })));
}
