import { afterAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { DecodePool, INLINE_DECODE_BYTES } from './decode-pool';
import { decodeRequestRows, type Encoding, type RequestLimits } from './decode-rows';
import { encodeCopyBlock, keyLinesOf, resourceJsonOf, spanCopyChunks } from './copy-block';
import { spanCopyLine } from './span-copy';
import { inheritSagaIds } from './inherit-saga-ids';
import { toSpanRows, type SpanRow } from './span-row';
import { encodeProtobufRequest } from '../otlp/encode-protobuf';
import { flatSpan, numberedSpans, toOtlpJson } from '../../test/support/otlp/flat-spans';
import { ingestBatch, sagaTraceSpans } from '../../test/support/otlp/sdk-spans';
import { DEFAULT_SPAN_LIMITS } from './limits';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';
import type { FlatSpan } from '../otlp/types';
import { keyWritesOfRows, type KeyWrites } from '../search/key-writer';

const limits: RequestLimits = { ...DEFAULT_SPAN_LIMITS, ...DEFAULT_DECODE_BUDGETS };
const pool = new DecodePool({ limits, maxBytes: 16 * 1024 * 1024, encode: true }, 2);
afterAll(() => pool.close());

const inlineLines = (rows: readonly SpanRow[]) => Buffer.from(rows.map(spanCopyLine).join(''), 'utf8');
const copyBytes = (rows: readonly SpanRow[], chunkBytes?: number) => Buffer.concat([...spanCopyChunks(rows, chunkBytes)]);

/** What the main thread reads of a row after decoding: everything but the text that only the COPY line carries. */
function mainThreadFields(r: SpanRow): object {
  const { attributesJson: _a, eventsJson: _e, resourceJson: _r, scope: _s, block: _b, line: _l, keys, ...rest } = r;
  // The keys of a row that names its saga travel as the block's key lines (compared below, by what keyWritesOfRows makes of them).
  return { ...rest, resourceJson: resourceJsonOf(r), keys: r.sagaId === null ? keys : undefined };
}

/** What a batch of these rows writes to saga_keys, with every other saga counted as new. */
function keysWritten(rows: readonly SpanRow[]): { copy: KeyWrites['copyRows'] extends () => infer T ? T : never; upsert: KeyWrites['upsert'] } {
  const sagas = [...new Set(rows.flatMap((r) => (r.sagaId === null ? [] : [r.sagaId])))];
  const own = new Set(sagas.filter((_, i) => i % 2 === 0));
  const w = keyWritesOfRows(rows, own);
  return { copy: w.copyRows(), upsert: w.upsert };
}

const hostile = 'tab\there\nnew line\r\\back\\slash "quote" \\N é 𝄞 \u2028';
/** Spans that fill a body past INLINE_DECODE_BYTES, so the pool sends them to a worker, in several chunks. */
const padded = (spans: FlatSpan[], n = 1_200): FlatSpan[] =>
  Array.from({ length: n }, (_, i) => ({ ...spans[i % spans.length]!, spanId: (i + 1).toString(16).padStart(16, '0') }));

const fixtures: [string, Encoding, () => Uint8Array][] = [
  ['numbered flat spans with a saga, protobuf', 'protobuf', () => encodeProtobufRequest(padded(numberedSpans(1, { attributes: { 'saga.id': 'pool', k: 'x'.repeat(40) } })))],
  ['hostile text in every text field, protobuf', 'protobuf', () => encodeProtobufRequest(padded([flatSpan({
    name: hostile, statusCode: 2, statusMessage: hostile, scope: hostile,
    attributes: { 'saga.id': hostile, 'saga.op': 'compensate', 'saga.step': hostile, note: hostile, nested: { a: [hostile, 1] } },
    resource: { 'service.name': hostile, 'deployment.environment': hostile },
    events: [{ name: hostile, timeMs: 1767225600001, attributes: { k: hostile } }],
  })]))],
  ['hostile text, OTLP/JSON', 'json', () => Buffer.from(JSON.stringify(toOtlpJson(padded([flatSpan({ name: hostile, attributes: { 'saga.id': 'j', note: hostile } })]))))],
  ['SDK saga trace (orphans and parents), protobuf', 'protobuf', () => ProtobufTraceSerializer.serializeRequest(Array.from({ length: 60 }, () => sagaTraceSpans()).flat())!],
  ['SDK ingest batch, protobuf', 'protobuf', () => ProtobufTraceSerializer.serializeRequest(ingestBatch(2_000))!],
  ['SDK ingest batch, OTLP/JSON', 'json', () => JsonTraceSerializer.serializeRequest(ingestBatch(2_000))!],
  ['business keys on spans and resources, sagas across chunks, hostile values, protobuf', 'protobuf', () => encodeProtobufRequest(
    Array.from({ length: 1_200 }, (_, i) => flatSpan({
      spanId: (i + 1).toString(16).padStart(16, '0'),
      // Sagas of 7 spans, one in 40 spans without a saga (an orphan keeps its keys on the row).
      attributes: i % 40 === 39 ? { 'order.id': `orphan-${i}` } : {
        'saga.id': `keys-${Math.floor(i / 7)}`, 'order.id': `ORD-${Math.floor(i / 7)}`, 'saga.key.note': i % 3 === 0 ? hostile : 'plain',
        ...(i % 7 === 2 ? { 'payment.id': `pay-${i}`, note: 'x'.repeat(200) } : {}),
      },
      resource: { 'service.name': `svc-${i % 3}`, 'user.id': `user-${i % 3}` },
    })))],
];

// Worker start-up and gzip on a loaded 2-core machine take seconds: a generous limit, not a timed assertion.
describe('rows encoded on an ingest worker', { timeout: 60_000 }, () => {
  it.each(fixtures)('%s: the same COPY bytes and main-thread fields as the inline path', async (_, encoding, make) => {
    const body = make();
    expect(body.length).toBeGreaterThan(INLINE_DECODE_BYTES);
    const inline = decodeRequestRows(body, encoding, limits);
    const got = await pool.decode({ body: zlib.gzipSync(body), encoding, contentEncoding: 'gzip' });
    expect(got.rows.length).toBe(inline.rows.length);
    expect(new Set(got.rows.map((r) => r.block)).size).toBeGreaterThan(1); // several chunks, several blocks
    expect(got.rows.every((r) => r.attributesJson === '')).toBe(true); // the bulky text did not travel as strings
    expect(copyBytes(got.rows).equals(inlineLines(inline.rows))).toBe(true);
    expect(got.rows.map(mainThreadFields)).toEqual(inline.rows.map(mainThreadFields));
    const keys = keysWritten(inline.rows);
    if (inline.rows.some((r) => r.keys !== null)) expect([keys.copy.length, keys.upsert.length].every((n) => n > 0)).toBe(true);
    expect(keysWritten(got.rows)).toEqual(keys);
    const { rows: _g, ...gotCounts } = got;
    const { rows: _i, ...inlineCounts } = inline;
    expect(gotCounts).toEqual(inlineCounts);
  });

  it.each(fixtures)('%s: after saga-id inheritance across requests, the lines of the rows as they are then', async (_, encoding, make) => {
    // Two requests split so that children and parents are in different blocks, as the pipeline batches them.
    const inline = decodeRequestRows(make(), encoding, limits).rows;
    const half = Math.floor(inline.length / 2);
    const encoded = [...encodeCopyBlock(inline.slice(0, half)).rows, ...encodeCopyBlock(inline.slice(half)).rows];
    const expected = inheritSagaIds(inline);
    const got = inheritSagaIds(encoded);
    expect(copyBytes(got).equals(inlineLines(expected))).toBe(true);
  });

  it('a row that gains its saga id gets that field rewritten, hostile text escaped', () => {
    const parent = toSpanRows([flatSpan({ spanId: 'aaaaaaaaaaaaaaaa', parentSpanId: null, attributes: { 'saga.id': hostile } })]);
    const children = toSpanRows(numberedSpans(5, { parentSpanId: 'aaaaaaaaaaaaaaaa', attributes: { note: hostile } }));
    const encoded = encodeCopyBlock(children).rows;
    const batch = inheritSagaIds([...parent, ...encoded]);
    expect(batch.slice(1).every((r) => r.sagaId === parent[0]!.sagaId && r.sagaId !== null)).toBe(true);
    expect(copyBytes(batch).equals(inlineLines(inheritSagaIds([...parent, ...children])))).toBe(true);
  });

  it.each([
    ['every other row (dedupe, staging)', (i: number) => i % 2 === 0],
    ['the last rows', (i: number) => i > 900],
    ['one row', (i: number) => i === 17],
    ['none', () => false],
  ])('any subset of rows, in any block order, gives those rows\' lines: %s', (_, keep) => {
    const full = toSpanRows(padded([flatSpan({ name: hostile, attributes: { 'saga.id': 's' } })], 1_000));
    const a = encodeCopyBlock(full.slice(0, 500)).rows;
    const b = encodeCopyBlock(full.slice(500)).rows;
    const mixed = [...b, ...full.slice(0, 3), ...a]; // blocks out of order, and rows decoded inline between them
    const fullMixed = [...full.slice(500), ...full.slice(0, 3), ...full.slice(0, 500)];
    const pick = <T,>(xs: T[]) => xs.filter((_, i) => keep(i));
    for (const chunkBytes of [256 * 1024, 4 * 1024]) {
      expect(copyBytes(pick(mixed), chunkBytes).equals(inlineLines(pick(fullMixed)))).toBe(true);
    }
  });

  it('a block holds the key lines of each saga once; rows that name their saga leave their keys behind', () => {
    const rows = toSpanRows([
      ...numberedSpans(3, { attributes: { 'saga.id': 's1', 'order.id': 'ORD-1', 'saga.key.tab': 'a\tb' } }),
      // Text longer in UTF-8 than in characters, between ASCII lines: each saga's lines start where they should.
      flatSpan({ spanId: 'aaaaaaaaaaaaaaaa', attributes: { 'saga.id': 's3', 'order.id': 'Ördér-😀' } }),
      flatSpan({ spanId: 'bbbbbbbbbbbbbbbb', attributes: { 'saga.id': 's2', 'payment.id': 'P\\2' } }),
      flatSpan({ spanId: 'cccccccccccccccc', attributes: { 'order.id': 'no-saga' } }),
    ]);
    const { rows: lean, block } = encodeCopyBlock(rows);
    const text = (sagaId: string) => {
      const line = rows.findIndex((r) => r.sagaId === sagaId);
      const i = block.keyLine[line]!;
      return Buffer.from(block.bytes.subarray(block.keyStarts[i]!, block.keyStarts[i + 1]!)).toString('utf8');
    };
    expect(text('s1')).toBe('s1\t{"order.id"}\tord-1\ns1\t{"tab"}\ta\\tb\n');
    expect(text('s3')).toBe('s3\t{"order.id"}\tördér-😀\n');
    expect(text('s2')).toBe('s2\t{"payment.id"}\tp\\\\2\n');
    // The first row of each saga carries its lines, in row order.
    expect([...block.keyLine]).toEqual([0, -1, -1, 1, 2, -1]);
    expect(lean.map((r) => r.keys)).toEqual([null, null, null, null, null, ['order.id', 'no-saga']]);
    // The span lines are unchanged by the key lines after them.
    expect(copyBytes(lean).equals(inlineLines(rows))).toBe(true);
  });

  it('the blocks of one request hold each saga\'s key lines once, in the block of its first row', () => {
    // As OTLP groups spans by resource: every saga has a span in each of the request's halves.
    const rows = toSpanRows([0, 1].flatMap((half) => Array.from({ length: 6 }, (_, i) => flatSpan({
      spanId: (half * 100 + i + 1).toString(16).padStart(16, '0'),
      attributes: { 'saga.id': `s${i % 3}`, 'order.id': `ORD-${i % 3}`, ...(half === 1 ? { 'payment.id': `P-${i % 3}` } : {}) },
    }))));
    const keys = keyLinesOf(rows);
    const a = encodeCopyBlock(rows.slice(0, 6), keys);
    const b = encodeCopyBlock(rows.slice(6), keys);
    expect([...a.block.keyLine]).toEqual([0, 1, 2, -1, -1, -1]);
    expect([...b.block.keyLine]).toEqual([-1, -1, -1, -1, -1, -1]);
    const w = keyWritesOfRows([...b.rows, ...a.rows], new Set(['s0', 's1', 's2']));
    expect(w.copyText).toBe('');
    expect(w.copyBytes).toHaveLength(3);
    expect(w.copyRows()).toEqual(['s0', 's1', 's2'].flatMap((s, i) => [
      { sagaId: s, name: 'order.id', value: `ord-${i}` }, { sagaId: s, name: 'payment.id', value: `p-${i}` },
    ]));
  });

  it('the block owns its buffer outright, so it can be transferred', () => {
    const { block, transfer } = encodeCopyBlock(toSpanRows(numberedSpans(3)));
    expect(block.bytes.buffer).toBe(transfer);
    expect([block.bytes.byteOffset, block.bytes.byteLength]).toEqual([0, transfer.byteLength]);
    expect(block.starts.buffer.byteLength).toBe(4 * 4);
  });
});
