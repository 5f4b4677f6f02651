/**
 * Span rows whose COPY text was built on an ingest worker (ADR 0014).
 *
 * A worker encodes the COPY lines of a chunk of rows into one UTF-8 buffer,
 * which is transferred to the main thread (moved, not copied), and sends with
 * it the rows without their bulky text (attributes, events, resource): only
 * what the main thread reads after decoding (saga model, summaries, locks,
 * dedupe). The main thread then streams slices of the buffer straight into
 * COPY. The business keys of rows that name their saga are encoded too, as
 * COPY lines of saga_keys after the span lines, each (saga, name, value) of a
 * request once (keyLinesOf); those rows leave their key arrays behind, while
 * rows without a saga keep theirs, for adoption. Structured-cloning the full rows and building their lines cost
 * the main thread ≈3 + ≈4 µs per span; this leaves it the clone of the lean row.
 *
 * One fact makes the lines reusable as they are: before the COPY, a row's saga
 * id is only ever filled in (lib/ingest/inherit-saga-ids.ts), never changed.
 * A line whose saga field is null (`\N`) but whose row has gained a saga id is
 * rewritten around that field; every other line is sent byte for byte.
 */
import type { CopyBlock, SpanRow } from './span-row';
import { spanCopyHead, spanCopyLine, spanCopySaga, spanCopyTail } from './span-copy';
import { copyText } from '../db/pg-text';
import { COPY_CHUNK_BYTES } from '../db/copy-chunks';
import { KeyLines } from '../search/key-writer';

export type { CopyBlock };

/** A row as a worker sends it: its text fields live only in `block`. */
export type EncodedRow = SpanRow & { block: CopyBlock; line: number };

export const isEncoded = (r: SpanRow): r is EncodedRow => r.block !== undefined;

/** The resource JSON of a row, wherever it lives. */
export const resourceJsonOf = (r: SpanRow): string => (r.block === undefined ? r.resourceJson : r.block.resources.get(r.resourceId)!);

/** Reused by every block a thread encodes: grown when a block needs more. */
let scratch = Buffer.allocUnsafeSlow(1024 * 1024);

function ensure(bytes: number, used: number): void {
  if (used + bytes <= scratch.length) return;
  const bigger = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, used + bytes));
  scratch.copy(bigger, 0, 0, used);
  scratch = bigger;
}

/**
 * Encodes `rows` (full rows, on a worker) into one block, and returns the lean
 * rows that point into it. The block's buffer owns its memory outright, so it
 * can be transferred.
 */
export function encodeCopyBlock(
  rows: readonly SpanRow[], requestKeys?: KeyLines,
): { rows: EncodedRow[]; block: CopyBlock; transfer: ArrayBuffer } {
  const starts = new Uint32Array(rows.length + 1);
  const sagaAt = new Uint32Array(rows.length);
  const resources = new Map<string, string>();
  const keyLines = requestKeys ?? keyLinesOf(rows);
  const keyLine = new Int32Array(rows.length).fill(-1);
  /** Key lines of the sagas this block holds them for, in order. */
  const keyTexts: string[] = [];
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.sagaId !== null) {
      const text = keyLines.take(r.sagaId);
      if (text !== '') keyLine[i] = keyTexts.push(text) - 1;
    }
    const head = spanCopyHead(r);
    const saga = spanCopySaga(r);
    const tail = spanCopyTail(r);
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    ensure(3 * (head.length + saga.length + tail.length), used);
    starts[i] = used;
    used += scratch.write(head, used, 'utf8');
    sagaAt[i] = used;
    used += scratch.write(saga, used, 'utf8');
    used += scratch.write(tail, used, 'utf8');
    if (!resources.has(r.resourceId)) resources.set(r.resourceId, r.resourceJson);
  }
  starts[rows.length] = used;
  const keyStarts = new Uint32Array(keyTexts.length + 1);
  if (keyTexts.length > 0) {
    // One write for all of them (a write per saga cost more than the encoding):
    // ASCII text, the usual case, is as long in bytes as in characters, so each
    // saga's lines start where its text does; other text is written again, saga by saga.
    const all = keyTexts.join('');
    ensure(3 * all.length, used);
    if (scratch.write(all, used, 'utf8') === all.length) {
      for (let i = 0; i < keyTexts.length; i++) {
        keyStarts[i] = used;
        used += keyTexts[i]!.length;
      }
    } else {
      for (let i = 0; i < keyTexts.length; i++) {
        keyStarts[i] = used;
        used += scratch.write(keyTexts[i]!, used, 'utf8');
      }
    }
  }
  keyStarts[keyTexts.length] = used;
  const transfer = new ArrayBuffer(used);
  const bytes = new Uint8Array(transfer);
  bytes.set(scratch.subarray(0, used));
  const block: CopyBlock = { bytes, starts, sagaAt, resources, keyLine, keyStarts };
  return { rows: rows.map((r, line) => leanRow(r, block, line)), block, transfer };
}

/**
 * The business keys of rows that name their saga, each (saga, name, value)
 * once. A worker builds it over a whole request and hands it to each of the
 * request's blocks in turn: a saga's lines go into the block of its first row,
 * and nowhere else. (OTLP groups a request's spans by resource, so one saga's
 * spans are spread over the whole request, and per-block lines would repeat
 * most sagas in most blocks.)
 */
export function keyLinesOf(rows: readonly SpanRow[]): KeyLines {
  const keys = new KeyLines();
  for (const r of rows) if (r.sagaId !== null && r.keys !== null) keys.add(r.sagaId, r.keys);
  return keys;
}

// One object literal with every field, in SpanRow's order (see span-row.ts on object shapes).
// A row that names its saga leaves its keys behind: they are in the block's key lines.
function leanRow(r: SpanRow, block: CopyBlock, line: number): EncodedRow {
  return {
    traceId: r.traceId, spanId: r.spanId, parentSpanId: r.parentSpanId, service: r.service, name: r.name,
    kind: r.kind, startMs: r.startMs, endMs: r.endMs, statusCode: r.statusCode, statusMessage: r.statusMessage,
    scope: null, attributesJson: '', resourceId: r.resourceId, resourceJson: '', eventsJson: null, keys: r.sagaId === null ? r.keys : null,
    sagaId: r.sagaId, sagaName: r.sagaName, protocol: r.protocol, role: r.role, step: r.step, stepIndex: r.stepIndex,
    branchId: r.branchId, op: r.op, attempt: r.attempt, result: r.result, actionUrl: r.actionUrl,
    compensateUrl: r.compensateUrl, idempotencyKey: r.idempotencyKey, trigger: r.trigger, zeroCode: r.zeroCode,
    block, line,
  };
}

const BACKSLASH = 0x5c;
const N = 0x4e;
const TAB = 0x09;

/** Line `line` of `block` stored a null saga id. */
function sagaWasNull(block: CopyBlock, line: number): boolean {
  const at = block.sagaAt[line]!;
  const b = block.bytes;
  return b[at] === BACKSLASH && b[at + 1] === N && b[at + 2] === TAB;
}

/** Runs at least this long are passed on as slices of their block; shorter ones are copied into the current chunk. */
const SLICE_BYTES = 16 * 1024;

/**
 * COPY input for `rows`, any mix of encoded and full rows: runs of consecutive
 * lines of one block as slices of it (no copy), the rest written into chunks.
 */
export function* spanCopyChunks(rows: readonly SpanRow[], chunkBytes = COPY_CHUNK_BYTES): Generator<Uint8Array> {
  let buf = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  function* flush(): Generator<Uint8Array> {
    if (used === 0) return;
    yield buf.subarray(0, used);
    buf = Buffer.allocUnsafe(chunkBytes);
    used = 0;
  }
  function* put(bytes: Uint8Array): Generator<Uint8Array> {
    if (bytes.length >= SLICE_BYTES || bytes.length > chunkBytes) {
      yield* flush();
      yield bytes;
      return;
    }
    if (used + bytes.length > chunkBytes) yield* flush();
    buf.set(bytes, used);
    used += bytes.length;
  }
  function* text(line: string): Generator<Uint8Array> {
    if (used + 3 * line.length > chunkBytes) yield* flush();
    if (3 * line.length > chunkBytes) yield Buffer.from(line, 'utf8');
    else used += buf.write(line, used, 'utf8');
  }

  let i = 0;
  while (i < rows.length) {
    const r = rows[i]!;
    if (r.block === undefined) {
      yield* text(spanCopyLine(r));
      i++;
      continue;
    }
    const { block, line } = r as EncodedRow;
    if (r.sagaId !== null && sagaWasNull(block, line)) {
      // Gained its saga id in this batch: the line around the new field.
      const at = block.sagaAt[line]!;
      yield* put(block.bytes.subarray(block.starts[line]!, at));
      yield* text(copyText(r.sagaId));
      yield* put(block.bytes.subarray(at + 2, block.starts[line + 1]!));
      i++;
      continue;
    }
    // The longest run of following rows that are the next lines of the same block, unchanged.
    let j = i + 1;
    while (j < rows.length) {
      const next = rows[j]!;
      if (next.block !== block || (next as EncodedRow).line !== line + (j - i)) break;
      if (next.sagaId !== null && sagaWasNull(block, (next as EncodedRow).line)) break;
      j++;
    }
    yield* put(block.bytes.subarray(block.starts[line]!, block.starts[line + (j - i)]!));
    i = j;
  }
  yield* flush();
}
