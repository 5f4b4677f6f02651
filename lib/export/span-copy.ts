/**
 * The spans export's fast path: PostgreSQL sends the rows as
 * `COPY (SELECT …) TO STDOUT (FORMAT binary)` and this encoder turns those bytes
 * straight into CSV / NDJSON / JSON bytes, without making JavaScript strings or
 * objects per value. Why (docs/benchmarks-ui-export.md): in binary form
 * PostgreSQL skips the text output of timestamps and numbers (a third of its
 * time per row), and here text values are copied byte for byte (escaped where
 * needed) into large output buffers instead of being decoded to strings, built
 * into a row string and encoded back to UTF-8.
 *
 * The bytes produced are exactly those of `ExportEncoder` over the rows of
 * `exportBatches` (lib/export/store.ts, the path of every other kind and of the
 * embedded database); `span-copy.test.ts` and test/integration/export.test.ts
 * hold the two paths to that. The rules repeated here, per value:
 * - CSV text: a cell starting with = + - @ tab CR or ' gets a leading ';
 *   a cell containing " , CR or LF is quoted with inner quotes doubled (csv.ts).
 * - JSON text: JSON.stringify's escapes (" \ \b \f \n \r \t, other control
 *   characters as \u00xx). PostgreSQL text is valid UTF-8 without NUL, so the
 *   escapes only ever concern ASCII bytes and the rest is copied as is.
 * - jsonb: its text (binary jsonb = version byte 1 + the same text as ::text).
 * - numbers: String(n) (CSV) / JSON.stringify(n) (JSON: NaN, ±Infinity → null).
 * - timestamps: ISO-8601 with 6 fraction digits (isoMicros in lib/export/store.ts).
 */
import { EXPORT_COLUMNS } from './kinds';
import type { ExportFormat } from './format';
import { csvRecord, csvTextCell } from './csv';

/** PostgreSQL binary representation of each selected column, in SPAN_COPY_COLUMNS order. */
const T = {
  Text: 0,
  Int2: 1,
  Int4: 2,
  Float8: 3,
  /** timestamptz: int8 microseconds since 2000-01-01 UTC. */
  Time: 4,
  /** jsonb: version byte, then its text. */
  Jsonb: 5,
} as const;
type T = (typeof T)[keyof typeof T];

/**
 * The span's events with each event's time also as ISO-8601 UTC (`time`, next to
 * the stored epoch-millisecond `timeMs`), so no time in an export needs a
 * conversion to be read. Times outside years 1970–9999 (hostile input) are left
 * as stored. Used by both export paths (lib/export/store.ts), so their bytes agree.
 */
export const EVENTS_WITH_ISO_TIME_SQL = `CASE WHEN jsonb_typeof(s.events) = 'array' THEN (
    SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(ev.e -> 'timeMs') = 'number' AND (ev.e ->> 'timeMs')::numeric BETWEEN 0 AND 253402300799999
      THEN ev.e || jsonb_build_object('time', (
        SELECT to_char(to_timestamp(t.sec) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '.' || lpad((t.ms - t.sec * 1000)::text, 3, '0') || 'Z'
          FROM (SELECT m.ms, floor(m.ms / 1000.0)::int8 AS sec FROM (SELECT floor((ev.e ->> 'timeMs')::numeric)::int8 AS ms) m) t))
      ELSE ev.e END ORDER BY ev.n), '[]'::jsonb)
      FROM jsonb_array_elements(s.events) WITH ORDINALITY AS ev(e, n))
  ELSE s.events END`;

/** The SELECT list of the copy, one entry per exported span column (EXPORT_COLUMNS.spans order). */
export const SPAN_COPY_COLUMNS: readonly { sql: string; type: T }[] = [
  { sql: 's.trace_id', type: T.Text },
  { sql: 's.span_id', type: T.Text },
  { sql: 's.parent_span_id', type: T.Text },
  { sql: 's.saga_id', type: T.Text },
  { sql: 's.service', type: T.Text },
  { sql: 's.name', type: T.Text },
  { sql: 's.kind', type: T.Int2 },
  { sql: 's.start_time', type: T.Time },
  { sql: 's.end_time', type: T.Time },
  { sql: 's.duration_ms', type: T.Float8 },
  { sql: 's.status_code', type: T.Int2 },
  { sql: 's.status_message', type: T.Text },
  { sql: 's.saga_name', type: T.Text },
  { sql: 's.protocol', type: T.Text },
  { sql: 's.role', type: T.Text },
  { sql: 's.step', type: T.Text },
  { sql: 's.step_index', type: T.Int4 },
  { sql: 's.branch_id', type: T.Text },
  { sql: 's.op', type: T.Text },
  { sql: 's.attempt', type: T.Int4 },
  { sql: 's.result', type: T.Text },
  { sql: 's.action_url', type: T.Text },
  { sql: 's.compensate_url', type: T.Text },
  { sql: 's.idempotency_key', type: T.Text },
  { sql: 's.attributes', type: T.Jsonb },
  { sql: 'r.attributes', type: T.Jsonb },
  { sql: EVENTS_WITH_ISO_TIME_SQL, type: T.Jsonb },
  { sql: 's.received_at', type: T.Time },
];

if (SPAN_COPY_COLUMNS.length !== EXPORT_COLUMNS.spans.length) throw new Error('SPAN_COPY_COLUMNS must match EXPORT_COLUMNS.spans');

const TYPES = Int8Array.from(SPAN_COPY_COLUMNS.map((c) => c.type));
const NCOLS = TYPES.length;

/** Output buffers of this size are filled and handed on whole (one stream chunk each). */
export const SPAN_COPY_CHUNK_BYTES = 128 * 1024;

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

// Seconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch), in microseconds.
const PG_EPOCH_US = 946_684_800_000_000;
const PG_EPOCH_US_BIG = 946_684_800_000_000n;
const TWO_32 = 4_294_967_296;

const HEX = '0123456789abcdef';

/** ISO text of a timestamp, given as epoch microseconds (BigInt: exact for any int8). */
function isoOfMicrosBig(us: bigint): string {
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const frac = ((us % 1000n) + 1000n) % 1000n;
  return new Date(Number(ms)).toISOString().replace(/Z$/, `${String(frac).padStart(3, '0')}Z`);
}

export class SpanCopyEncoder {
  private rows = 0;
  private out: Buffer;
  private pos = 0;
  private readonly done: Buffer[] = [];
  /** Unparsed tail of the previous input chunk (a tuple cut in two). */
  private pending: Buffer | null = null;
  private inPage = false;
  private pageRows = 0;
  // Where the last row's (trace_id, span_id) is: decoded only when asked for.
  private lastBuf: Buffer | null = null;
  private readonly lastOffsets = new Int32Array(4);
  // Field offsets of the tuple in hand (-1 = NULL).
  private readonly starts = new Int32Array(NCOLS);
  private readonly ends = new Int32Array(NCOLS);
  // One cached day per timestamp column (start, end, received): rows mostly
  // share it, and the calendar date (Date#toISOString) is the costly part.
  private readonly cachedDay = [NaN, NaN, NaN];
  private readonly cachedPrefix = ['', '', ''];

  constructor(
    readonly format: ExportFormat,
    private readonly chunkBytes = SPAN_COPY_CHUNK_BYTES,
  ) {
    this.out = Buffer.allocUnsafeSlow(chunkBytes);
    if (format === 'csv') this.ascii(csvRecord(EXPORT_COLUMNS.spans.map((c) => csvTextCell(c.name))));
    else if (format === 'json') this.ascii('[\n');
  }

  get rowCount(): number {
    return this.rows;
  }

  /** (trace_id, span_id) of the last row encoded: where the next keyset page starts. */
  get lastRowKey(): [string, string] | null {
    const b = this.lastBuf;
    const o = this.lastOffsets;
    return b && [b.toString('utf8', o[0]!, o[1]!), b.toString('utf8', o[2]!, o[3]!)];
  }

  /** Starts one `COPY … TO STDOUT (FORMAT binary)` result. */
  beginPage(): void {
    if (this.inPage) throw new Error('span copy: the previous page did not end');
    if (this.pending) throw new Error('span copy: bytes left over after a page');
    this.inPage = true;
    this.pageRows = -1; // header not read yet
  }

  /** Rows of the current (or last) page. */
  get rowsInPage(): number {
    return Math.max(0, this.pageRows);
  }

  /** True once the page's trailer was read. */
  get pageEnded(): boolean {
    return !this.inPage;
  }

  /** Feeds bytes of the current page; complete tuples are encoded at once. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (!this.inPage) throw new Error('span copy: data after the end of the page');
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let p = 0;
    const n = buf.length;
    if (this.pageRows < 0) {
      if (n < HEADER_BYTES) {
        this.pending = buf;
        return;
      }
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('span copy: not a binary COPY stream');
      const ext = buf.readInt32BE(SIGNATURE.length + 4);
      if (n < HEADER_BYTES + ext) {
        this.pending = buf;
        return;
      }
      p = HEADER_BYTES + ext;
      this.pageRows = 0;
    }
    const starts = this.starts;
    const ends = this.ends;
    for (;;) {
      if (p + 2 > n) break;
      const count = (buf[p]! << 8) | buf[p + 1]!;
      if (count === 0xffff) {
        // Trailer (field count -1): the page is complete.
        p += 2;
        if (p !== n) throw new Error('span copy: bytes after the trailer');
        this.inPage = false;
        return;
      }
      if (count !== NCOLS) throw new Error(`span copy: ${count} fields, expected ${NCOLS}`);
      let q = p + 2;
      let complete = true;
      for (let i = 0; i < NCOLS; i++) {
        if (q + 4 > n) {
          complete = false;
          break;
        }
        const len = buf.readInt32BE(q);
        q += 4;
        if (len < 0) {
          starts[i] = -1;
          ends[i] = -1;
        } else {
          starts[i] = q;
          q += len;
          ends[i] = q;
        }
      }
      if (!complete || q > n) break;
      this.tuple(buf, q - p);
      this.lastKeyOf(buf);
      p = q;
    }
    if (p < n) this.pending = buf.subarray(p);
  }

  /** Output buffers that are full; the buffer is never written again. */
  take(): Buffer[] {
    return this.done.splice(0);
  }

  /** Everything encoded so far, also a partly filled buffer (end of a page: the client sees progress). */
  flush(): Buffer[] {
    if (this.pos > 0) {
      this.done.push(this.out.subarray(0, this.pos));
      this.out = this.out.subarray(this.pos);
      this.pos = 0;
    }
    return this.take();
  }

  /** After the last page: the format's footer; returns everything not yet taken. */
  finish(): Buffer[] {
    if (this.inPage) throw new Error('span copy: the last page did not end');
    if (this.format === 'json') this.ascii(this.rows === 0 ? ']\n' : '\n]\n');
    if (this.pos > 0) {
      this.done.push(this.out.subarray(0, this.pos));
      this.out = Buffer.alloc(0);
      this.pos = 0;
    }
    return this.take();
  }

  private lastKeyOf(buf: Buffer): void {
    this.lastBuf = buf;
    this.lastOffsets[0] = this.starts[0]!;
    this.lastOffsets[1] = this.ends[0]!;
    this.lastOffsets[2] = this.starts[1]!;
    this.lastOffsets[3] = this.ends[1]!;
  }

  /** Room for `n` more bytes in the output buffer. */
  private room(n: number): void {
    if (this.pos + n <= this.out.length) return;
    if (this.pos > 0) this.done.push(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, n));
    this.pos = 0;
  }

  private ascii(s: string): void {
    this.room(s.length);
    const out = this.out;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  private tuple(buf: Buffer, size: number): void {
    const first = this.rows === 0;
    this.rows++;
    this.pageRows++;
    // Room for the worst case once per row (every byte escaped as \u00xx, numbers and
    // keys at their longest), so that the writers below need no bounds checks.
    this.room(6 * size + 64 * NCOLS);
    const out = this.out;
    let pos = this.pos;
    const starts = this.starts;
    const ends = this.ends;
    if (this.format === 'csv') {
      for (let i = 0; i < NCOLS; i++) {
        if (i > 0) out[pos++] = 0x2c;
        const a = starts[i]!;
        if (a < 0) continue;
        const b = ends[i]!;
        const type = TYPES[i]!;
        if (type === T.Text) pos = csvText(out, pos, buf, a, b);
        else if (type === T.Jsonb) pos = csvText(out, pos, buf, a + 1, b);
        else if (type === T.Time) pos = this.time(out, pos, buf, a, i, false);
        else pos = putNumber(out, pos, buf, a, type, false);
      }
      out[pos++] = 0x0d;
      out[pos++] = 0x0a;
      this.pos = pos;
      return;
    }
    if (this.format === 'json' && !first) {
      out[pos++] = 0x2c;
      out[pos++] = 0x0a;
    }
    for (let i = 0; i < NCOLS; i++) {
      for (let k = KEY_STARTS[i]!, e = KEY_STARTS[i + 1]!; k < e; k++) out[pos++] = KEYS[k]!;
      const a = starts[i]!;
      if (a < 0) {
        pos = putNull(out, pos);
        continue;
      }
      const b = ends[i]!;
      const type = TYPES[i]!;
      if (type === T.Text) pos = jsonText(out, pos, buf, a, b);
      else if (type === T.Jsonb) pos = copyBytes(out, pos, buf, a + 1, b);
      else if (type === T.Time) pos = this.time(out, pos, buf, a, i, true);
      else pos = putNumber(out, pos, buf, a, type, true);
    }
    out[pos++] = 0x7d;
    if (this.format === 'ndjson') out[pos++] = 0x0a;
    this.pos = pos;
  }

  /** int8 microseconds since 2000-01-01 → ISO-8601 with microseconds, quoted for JSON. */
  private time(out: Buffer, pos: number, buf: Buffer, a: number, column: number, json: boolean): number {
    const hi = buf.readInt32BE(a);
    // |value| < 2^52: exact as a double (years 1857–2142); beyond that, BigInt and Date.
    if (hi >= 0x100000 || hi < -0x100000) {
      const iso = this.farTime(buf, a);
      if (json) return putAscii(out, pos, `"${iso}"`);
      // Only a year beyond 9999 or before 0 starts with + or - (formula-guarded like any cell).
      return putAscii(out, pos, iso.charCodeAt(0) === 0x2b || iso.charCodeAt(0) === 0x2d ? `'${iso}` : iso);
    }
    const us = hi * TWO_32 + buf.readUInt32BE(a + 4) + PG_EPOCH_US;
    const day = Math.floor(us / US_PER_DAY);
    let rest = us - day * US_PER_DAY;
    const slot = column === 7 ? 0 : column === 8 ? 1 : 2;
    let prefix: string;
    if (this.cachedDay[slot] === day) prefix = this.cachedPrefix[slot]!;
    else {
      // "YYYY-MM-DDT" (toISOString ends in "HH:MM:SS.mmmZ", 13 characters).
      prefix = new Date(day * 86_400_000).toISOString().slice(0, -13);
      this.cachedDay[slot] = day;
      this.cachedPrefix[slot] = prefix;
    }
    if (json) out[pos++] = 0x22;
    pos = putAscii(out, pos, prefix);
    const hours = Math.floor(rest / 3_600_000_000);
    rest -= hours * 3_600_000_000;
    const minutes = Math.floor(rest / 60_000_000);
    rest -= minutes * 60_000_000;
    const seconds = Math.floor(rest / 1_000_000);
    pos = putDigits(out, pos, hours, 2);
    out[pos++] = 0x3a;
    pos = putDigits(out, pos, minutes, 2);
    out[pos++] = 0x3a;
    pos = putDigits(out, pos, seconds, 2);
    out[pos++] = 0x2e;
    pos = putDigits(out, pos, rest - seconds * 1_000_000, 6);
    out[pos++] = 0x5a;
    if (json) out[pos++] = 0x22;
    return pos;
  }

  private farTime(buf: Buffer, a: number): string {
    const raw = buf.readBigInt64BE(a);
    // int8 min/max are -infinity/infinity, which the text path refuses too (int8 cast error).
    if (raw === 0x7fffffffffffffffn || raw === -0x8000000000000000n) throw new Error('an infinite timestamp cannot be exported');
    return isoOfMicrosBig(raw + PG_EPOCH_US_BIG);
  }
}

const US_PER_DAY = 86_400_000_000;

// `{"traceId":`, `,"spanId":`, … one after the other; column i's is KEYS[KEY_STARTS[i], KEY_STARTS[i + 1]).
const KEY_PARTS = EXPORT_COLUMNS.spans.map((c, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`, 'utf8'));
const KEYS = Buffer.concat(KEY_PARTS);
const KEY_STARTS = Int32Array.from([0, ...KEY_PARTS.map((_, i) => KEY_PARTS.slice(0, i + 1).reduce((n, k) => n + k.length, 0))]);

function copyBytes(out: Buffer, pos: number, src: Buffer, a: number, b: number): number {
  if (b - a > 48) {
    src.copy(out, pos, a, b);
    return pos + b - a;
  }
  for (let i = a; i < b; i++) out[pos++] = src[i]!;
  return pos;
}

function putAscii(out: Buffer, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

function putNull(out: Buffer, pos: number): number {
  out[pos] = 0x6e;
  out[pos + 1] = 0x75;
  out[pos + 2] = 0x6c;
  out[pos + 3] = 0x6c;
  return pos + 4;
}

/** A non-negative integer as exactly `width` decimal digits (zero-padded). */
function putDigits(out: Buffer, pos: number, v: number, width: number): number {
  for (let i = width - 1; i >= 0; i--) {
    const d = v % 10;
    out[pos + i] = 0x30 + d;
    v = (v - d) / 10;
  }
  return pos + width;
}

/** A safe integer as String(v) writes it (-0 as 0). */
function putInteger(out: Buffer, pos: number, v: number): number {
  if (v < 0) {
    out[pos++] = 0x2d;
    v = -v;
  }
  let width = 1;
  for (let t = v; t >= 10; t = (t - (t % 10)) / 10) width++;
  return putDigits(out, pos, v, width);
}

/** int2, int4 or float8: String(n) (CSV) or JSON.stringify(n) (JSON: NaN and ±Infinity → null). */
function putNumber(out: Buffer, pos: number, buf: Buffer, a: number, type: number, json: boolean): number {
  if (type === T.Int2) return putInteger(out, pos, buf.readInt16BE(a));
  if (type === T.Int4) return putInteger(out, pos, buf.readInt32BE(a));
  const v = buf.readDoubleBE(a);
  // Below 1e15 an integral double prints as its digits (String switches to exponents at 1e21).
  if (Number.isInteger(v) && v < 1e15 && v > -1e15) return putInteger(out, pos, v);
  if (json && !Number.isFinite(v)) return putNull(out, pos);
  return putAscii(out, pos, String(v));
}

/** A text cell: formula-guarded (= + - @ tab CR ' first), quoted if it holds " , CR or LF. */
function csvText(out: Buffer, pos: number, src: Buffer, a: number, b: number): number {
  if (a === b) return pos;
  const c0 = src[a]!;
  const guard = c0 === 0x3d || c0 === 0x2b || c0 === 0x2d || c0 === 0x40 || c0 === 0x09 || c0 === 0x0d || c0 === 0x27;
  if (b - a > 64) {
    // Long values (JSON text mostly): native string operations on the bytes as
    // latin1 (one character per byte, so the bytes come back unchanged) beat a
    // byte loop in JavaScript several times over.
    const text = src.toString('latin1', a, b);
    if (!CSV_SPECIAL.test(text)) {
      if (guard) out[pos++] = 0x27;
      return copyBytes(out, pos, src, a, b);
    }
    return pos + out.write(guard ? `"'${text.replaceAll('"', '""')}"` : `"${text.replaceAll('"', '""')}"`, pos, 'latin1');
  }
  // Short values: copied while scanning (one pass); quoted values are rewritten below.
  let p = guard ? pos + 1 : pos;
  let quote = false;
  for (let i = a; i < b; i++) {
    const c = src[i]!;
    if (c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a) {
      quote = true;
      break;
    }
    out[p++] = c;
  }
  if (!quote) {
    if (guard) out[pos] = 0x27;
    return p;
  }
  out[pos++] = 0x22;
  if (guard) out[pos++] = 0x27;
  for (let i = a; i < b; i++) {
    const c = src[i]!;
    out[pos++] = c;
    if (c === 0x22) out[pos++] = 0x22;
  }
  out[pos++] = 0x22;
  return pos;
}

const CSV_SPECIAL = /[",\r\n]/;
const JSON_SPECIAL = /[\x00-\x1f"\\]/;

/** A JSON string with JSON.stringify's escapes (PostgreSQL text: valid UTF-8, no NUL). */
function jsonText(out: Buffer, pos: number, src: Buffer, a: number, b: number): number {
  // Long values without anything to escape (checked natively, as in csvText): one copy.
  if (b - a > 64 && !JSON_SPECIAL.test(src.toString('latin1', a, b))) {
    out[pos++] = 0x22;
    pos = copyBytes(out, pos, src, a, b);
    out[pos++] = 0x22;
    return pos;
  }
  out[pos++] = 0x22;
  for (let i = a; i < b; i++) {
    const c = src[i]!;
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) {
      out[pos++] = c;
      continue;
    }
    out[pos++] = 0x5c;
    switch (c) {
      case 0x22:
        out[pos++] = 0x22;
        break;
      case 0x5c:
        out[pos++] = 0x5c;
        break;
      case 0x08:
        out[pos++] = 0x62; // b
        break;
      case 0x0c:
        out[pos++] = 0x66; // f
        break;
      case 0x0a:
        out[pos++] = 0x6e; // n
        break;
      case 0x0d:
        out[pos++] = 0x72; // r
        break;
      case 0x09:
        out[pos++] = 0x74; // t
        break;
      default:
        out[pos++] = 0x75; // u00xx
        out[pos++] = 0x30;
        out[pos++] = 0x30;
        out[pos++] = HEX.charCodeAt(c >> 4);
        out[pos++] = HEX.charCodeAt(c & 15);
    }
  }
  out[pos++] = 0x22;
  return pos;
}
