/**
 * Writes business keys (table saga_keys) inside the ingest transaction
 * (lib/ingest/span-writer.ts), so a saga is findable by its keys exactly when its
 * spans are committed. One row per (saga, folded value) as a rule, naming every
 * key name the value came under; a repeat is harmless and allowed (ADR 0016):
 * the table has one index, a btree on (value, saga_id) (value in the "C"
 * collation), and no unique key, because every key row paid for a second
 * index. Search matches sagas through their summaries (`id IN (…)`), so a
 * repeated row finds its saga once, and the saga page reads keys from spans.
 *
 * Two ways in, by whose summary row the transaction holds (ADR 0012):
 * - Keys of sagas whose summary this transaction inserted (new sagas, most
 *   keys) go in by COPY, each once: no other transaction can have written a key
 *   of such a saga. Keys are written only by a transaction that inserted or
 *   found the saga's summary; one that inserted it first would have made this
 *   one's insert wait and find it, and one that found it committed means this
 *   one would have found it too. The exception is a saga retention removed
 *   whose keys are not swept yet (lib/retention/store.ts): it comes back with
 *   its old rows beside the new ones.
 * - Keys of sagas stored before go in by INSERT … WHERE NOT EXISTS: a key
 *   stored already is skipped. Two batches that bring the same new key of one
 *   stored saga at the same instant may both insert it; nothing waits on
 *   anything (there is no unique index to wait on), so this holds under the
 *   summary locks too, for the keys of spans that joined a saga by adoption.
 */
import type { Sql, TxSql } from '../db/connection';
import type { CopyBlock, SpanRow } from '../ingest/span-row';
import { arrayLiteral, copyText, parseArrayLiteral, parseCopyText } from '../db/pg-text';
import { foldKeyValue, sameKeys, type KeyExtractor } from './keys';
import { keepHiddenClasses } from '../runtime/hidden-classes';

/** A key of one saga: its value folded (foldKeyValue), as the index holds it. */
export interface SagaKeyRow {
  sagaId: string;
  name: string;
  value: string;
}

/** Code-unit order, the order keys are written and listed in. */
export const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cmp = compareText;
const sortKeys = (keys: SagaKeyRow[]) => keys.sort((a, b) => cmp(a.sagaId, b.sagaId) || cmp(a.name, b.name) || cmp(a.value, b.value));

/** The distinct keys of rows that have a saga id, values folded, sorted by (saga, name, value). */
export function keysOfRows(rows: readonly Pick<SpanRow, 'sagaId' | 'keys'>[]): SagaKeyRow[] {
  const seen = new Set<string>();
  const out: SagaKeyRow[] = [];
  for (const r of rows) {
    const k = r.keys;
    if (k === null || r.sagaId === null) continue;
    for (let i = 0; i < k.length; i += 2) {
      const value = foldKeyValue(k[i + 1]!);
      const id = r.sagaId + '\u0000' + k[i] + '\u0000' + value;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ sagaId: r.sagaId, name: k[i]!, value });
    }
  }
  return sortKeys(out);
}

/** Keys of several sources as one list, each once, sorted as keysOfRows sorts them. */
export function distinctKeys(keys: readonly SagaKeyRow[]): SagaKeyRow[] {
  return keysOfRows(keys.map((k) => ({ sagaId: k.sagaId, keys: [k.name, k.value] })));
}

/** A batch's keys by the way they are written (see the module comment). */
export interface KeyWrites {
  /** Keys of sagas whose summary the transaction inserted, as COPY text, each once: text built here, and lines built on a decode worker ('' and [] when none). */
  copyText: string;
  copyBytes: Uint8Array[];
  /** The same keys as rows, sorted: for a connection without COPY (the embedded database). */
  copyRows: () => SagaKeyRow[];
  /** Keys of the other sagas, each once, sorted by (saga, name, value). */
  upsert: SagaKeyRow[];
}

/** What KeyLines holds of one saga. */
interface Written {
  /** The saga id as a COPY field and its tab. */
  prefix: string;
  /** Key arrays seen (rows of a saga share their array when their keys repeat: lib/ingest/span-row.ts). */
  arrays: (readonly string[])[];
  /**
   * Folded values, in first-seen order, and the names each came under (one
   * line each): a value's one name as the string itself, until it has more.
   */
  values: string[];
  names: (string | string[])[];
  /** Past VALUES_SCANNED values: the last entry of each value. */
  index: Map<string, number> | null;
  /** take() has handed the lines out. */
  taken: boolean;
}
const ARRAYS_SCANNED = 8;
const VALUES_SCANNED = 16;
/**
 * Names on one line at most. A value seen under more names starts another line
 * (a repeated row is harmless), so no sender can grow one row without bound.
 */
export const MAX_NAMES_PER_ROW = 32;

function lastEntry(w: Written, value: string): number {
  if (w.index !== null) return w.index.get(value) ?? -1;
  return w.values.lastIndexOf(value);
}

function note(w: Written, name: string, value: string): void {
  const i = lastEntry(w, value);
  if (i !== -1) {
    const names = w.names[i]!;
    if (typeof names === 'string') {
      if (names === name) return;
      w.names[i] = [names, name];
      return;
    }
    if (names.includes(name)) return;
    if (names.length < MAX_NAMES_PER_ROW) {
      names.push(name);
      return;
    }
  }
  w.values.push(value);
  w.names.push(name);
  if (w.index !== null) w.index.set(value, w.values.length - 1);
  else if (w.values.length > VALUES_SCANNED) {
    w.index = new Map();
    for (let j = 0; j < w.values.length; j++) w.index.set(w.values[j]!, j);
  }
}

const written = (sagaId: string, first: readonly string[]): Written =>
  ({ prefix: copyText(sagaId) + '\t', arrays: [first], values: [], names: [], index: null, taken: false });

function noteAll(w: Written, k: readonly string[]): void {
  for (let i = 0; i < k.length; i += 2) note(w, k[i]!, foldKeyValue(k[i + 1]!));
}

/** COPY fields of one-name lists, by name: the configured names repeat on every saga. */
const singleNames = new Map<string, string>();
const MAX_SINGLE_NAMES = 1024;

function namesField(names: string | string[]): string {
  if (typeof names !== 'string') return copyText(arrayLiteral(names));
  let field = singleNames.get(names);
  if (field === undefined) {
    field = copyText(arrayLiteral([names]));
    if (singleNames.size < MAX_SINGLE_NAMES) singleNames.set(names, field);
  }
  return field;
}

function linesOf(w: Written): string {
  let out = '';
  for (let i = 0; i < w.values.length; i++) out += w.prefix + namesField(w.names[i]!) + '\t' + copyText(w.values[i]!) + '\n';
  return out;
}

/**
 * COPY lines of business keys, one per (saga, folded value) with every name
 * the value came under (`order.id` and `saga.key.order_id` usually carry the
 * same order id: one row, not two), a saga's lines together. Built for every
 * span, on a decode worker (lib/ingest/copy-block.ts) or the main thread, so
 * the common case allocates little: a repeated key array is recognised by
 * identity, a repeated value by a short scan of the saga's values, and the text
 * is made once, when the lines are taken.
 */
export class KeyLines {
  private readonly sagas = new Map<string, Written>();

  /** Adds keys (flat [name, value, …], values as sent) of saga `sagaId`. */
  add(sagaId: string, k: readonly string[]): void {
    let w = this.sagas.get(sagaId);
    if (w === undefined) this.sagas.set(sagaId, (w = written(sagaId, k)));
    else if (w.arrays.includes(k)) return;
    else if (w.arrays.length < ARRAYS_SCANNED) w.arrays.push(k);
    noteAll(w, k);
  }

  /**
   * Adds the keys that are the first `n` entries of `flat` (a scratch array,
   * lib/search/keys.ts extractInto) and returns them as an array of their own:
   * the one the saga already has when an earlier span had the same keys (most
   * spans repeat their saga's keys), else a new one. Rows keep the array, so
   * spans of one saga share it. Called while rows are made (toSpanRows on an
   * ingest worker), this is the one lookup per span a request's keys cost there.
   */
  addFlat(sagaId: string, flat: readonly string[], n: number): string[] {
    let w = this.sagas.get(sagaId);
    if (w !== undefined) for (const a of w.arrays) if (sameKeys(a, flat, n)) return a as string[];
    const k = flat.slice(0, n);
    if (w === undefined) this.sagas.set(sagaId, (w = written(sagaId, k)));
    else if (w.arrays.length < ARRAYS_SCANNED) w.arrays.push(k);
    noteAll(w, k);
    return k;
  }

  has(sagaId: string): boolean {
    return this.sagas.has(sagaId);
  }

  /** The saga's lines, once: later calls for the same saga return '' (a request's lines go into one block). */
  take(sagaId: string): string {
    const w = this.sagas.get(sagaId);
    if (w === undefined || w.taken) return '';
    w.taken = true;
    return linesOf(w);
  }

  /** The saga's lines, which are then forgotten. */
  remove(sagaId: string): string {
    const w = this.sagas.get(sagaId);
    this.sagas.delete(sagaId);
    return w === undefined ? '' : linesOf(w);
  }

  text(): string {
    let out = '';
    for (const w of this.sagas.values()) out += linesOf(w);
    return out;
  }
}

// One per request on an ingest worker, dropped after it (lib/runtime/hidden-classes.ts).
keepHiddenClasses(new KeyLines());

/** The key lines that row `line` of `block` carries for its saga (lib/ingest/copy-block.ts), or null. */
export function blockKeyLines(block: CopyBlock, line: number): Uint8Array | null {
  const i = block.keyLine[line] ?? -1;
  return i === -1 ? null : block.bytes.subarray(block.keyStarts[i]!, block.keyStarts[i + 1]!);
}

/** Keys from COPY text lines as KeyLines writes them, one per name. */
export function parseKeyLines(lines: string | Uint8Array): SagaKeyRow[] {
  const text = typeof lines === 'string' ? lines : Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength).toString('utf8');
  const out: SagaKeyRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [sagaId, names, value] = line.split('\t');
    const id = parseCopyText(sagaId!);
    const v = parseCopyText(value!);
    for (const name of parseArrayLiteral(parseCopyText(names!)) ?? []) out.push({ sagaId: id, name, value: v });
  }
  return out;
}

/** Lines of several texts, each once, in first-seen order. */
function distinctLines(texts: readonly string[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const t of texts) {
    for (const line of t.split('\n')) {
      if (line === '' || seen.has(line)) continue;
      seen.add(line);
      out += line + '\n';
    }
  }
  return out;
}

const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/**
 * Splits the keys of rows that have a saga id by whether the transaction
 * inserted the saga's summary (`ownSummaries`). A row decoded on a worker
 * that named its saga there carries no keys: the worker wrote the key lines of
 * each saga of a request once, into the block of the saga's first row there
 * (lib/ingest/copy-block.ts). So `rows` must be the batch as received, before
 * duplicate spans are dropped: a dropped row may be the one whose block holds
 * its saga's lines. Writing the keys of a span stored before is harmless.
 */
export function keyWritesOfRows(
  rows: readonly Pick<SpanRow, 'sagaId' | 'keys' | 'block' | 'line'>[], ownSummaries: ReadonlySet<string>,
): KeyWrites {
  const lines = new KeyLines();
  const others: Pick<SpanRow, 'sagaId' | 'keys'>[] = [];
  /** Key lines from blocks, by saga: one piece per request, as a rule. */
  const inBlocks = new Map<string, Uint8Array[]>();
  for (const r of rows) {
    const sagaId = r.sagaId;
    if (sagaId === null) continue;
    const k = r.keys;
    if (k === null) {
      // One row of each saga in a request carries its lines; the others are passed over at one array read.
      const block = r.block;
      if (block === undefined || r.line === undefined || block.keyLine[r.line] === -1) continue;
      const piece = blockKeyLines(block, r.line)!;
      const seen = inBlocks.get(sagaId);
      if (seen === undefined) inBlocks.set(sagaId, [piece]);
      else seen.push(piece);
      continue;
    }
    if (ownSummaries.has(sagaId)) lines.add(sagaId, k);
    else others.push(r);
  }
  const copyBytes: Uint8Array[] = [];
  let merged = '';
  for (const [sagaId, pieces] of inBlocks) {
    if (ownSummaries.has(sagaId)) {
      // The usual case: one block holds all of a new saga's keys, sent on as they are.
      if (pieces.length === 1 && !lines.has(sagaId)) copyBytes.push(pieces[0]!);
      // Lines from several requests (and rows), or a request sent twice: equal keys make equal lines.
      else merged += distinctLines([lines.remove(sagaId), ...pieces.map(utf8)]);
      continue;
    }
    for (const piece of pieces) for (const key of parseKeyLines(piece)) others.push({ sagaId, keys: [key.name, key.value] });
  }
  const text = lines.text() + merged;
  return {
    copyText: text,
    copyBytes,
    copyRows: () => distinctKeys([...parseKeyLines(text), ...copyBytes.flatMap((b) => parseKeyLines(b))]),
    upsert: keysOfRows(others),
  };
}

const COPY_KEYS = 'COPY saga_keys (saga_id, names, value) FROM STDIN';

/** Writes a batch's keys (see the module comment). */
export async function writeKeys(tx: TxSql, writes: KeyWrites): Promise<void> {
  let insert = writes.upsert;
  if (writes.copyText !== '' || writes.copyBytes.length > 0) {
    if (tx.copyFrom === undefined) insert = [...insert, ...writes.copyRows()];
    // One chunk: a COPY stream sends each chunk as its own message and socket write, and there is one slice per saga.
    else await tx.copyFrom(COPY_KEYS, [Buffer.concat(writes.copyText === '' ? writes.copyBytes : [Buffer.from(writes.copyText, 'utf8'), ...writes.copyBytes])]);
  }
  await insertKeys(tx, insert);
}

// (k.value, k.saga_id) is the index: one probe per key, however many sagas share the value.
// One row per name on this path (keys of stored sagas and of adopted spans: rare).
const INSERT = `INSERT INTO saga_keys (saga_id, names, value)
  SELECT u.saga_id, ARRAY[u.name]::text, u.value FROM unnest($1::text[], $2::text[], $3::text[]) AS u(saga_id, name, value)
   WHERE NOT EXISTS (SELECT 1 FROM saga_keys k WHERE k.value = u.value AND k.saga_id = u.saga_id AND u.name = ANY(k.names::text[]))`;

const params = (keys: readonly SagaKeyRow[]) => [
  arrayLiteral(keys.map((k) => k.sagaId)), arrayLiteral(keys.map((k) => k.name)), arrayLiteral(keys.map((k) => k.value)),
];

/** Inserts the keys that are not stored yet; `keys` holds each once (a statement does not see its own rows). */
export async function insertKeys(sql: Sql, keys: readonly SagaKeyRow[]): Promise<void> {
  if (keys.length > 0) await sql.query(INSERT, params(keys));
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
