/**
 * OTLP/protobuf ExportTraceServiceRequest → flat span records, read field by
 * field with protobufjs's wire Reader. This is the collector's hot path, so no
 * intermediate message objects are built: each span is read straight into its
 * FlatSpan (opentelemetry-proto trace/v1 + collector/trace/v1 field numbers).
 *
 * Tags are matched as whole numbers, (field << 3) | wire type, so a known field
 * arriving with an unexpected wire type is skipped like an unknown one instead
 * of being misread (what protoc-generated parsers do too).
 */
import protobuf from 'protobufjs/minimal';
import type { Reader } from 'protobufjs/minimal';
import { DecodeError, type AttrValue, type Attributes, type DecodedRequest, type FlatSpan, type SpanEvent } from './types';
import * as validation from './span-validation';
import * as wire from './wire-conversions';
import * as budget from './decode-budget';
import { keepHiddenClasses } from '../runtime/hidden-classes';
import type { DecodeBudgets } from './decode-budget';

// Under tsx (how the collector runs) modules compile to CommonJS, where each use
// of an imported name reads through two getters; per-attribute code paid for that
// measurably, so the hot imports are bound once here.
const { RejectionLog, spanProblem } = validation;
const {
  EMPTY_ATTRIBUTES,
  ZERO_SPAN_ID,
  bytesToHex,
  freezeResource,
  int64PartsToValue,
  nanosPartsToMs,
  normaliseKind,
  normaliseStatusCode,
  setAttribute,
} = wire;

const { DEFAULT_DECODE_BUDGETS, listBudgetExceeded, spanBudgetExceeded, valueBudgetExceeded } = budget;

/*
 * The budgets of the request being decoded (lib/otlp/decode-budget.ts). Module
 * state, not a context argument: decoding is synchronous, one request at a
 * time per thread, and the value readers are the hot path, where one more
 * argument per call measured. Each value is counted before it is read, so a
 * request over a budget is refused before its values are allocated.
 */
let budgets: DecodeBudgets = DEFAULT_DECODE_BUDGETS;
let valuesLeft = 0;
let spansLeft = 0;

/** Key-values, any-values and events count against the request's value budget. */
function countValue(): void {
  if (--valuesLeft < 0) throw valueBudgetExceeded(budgets.maxValues);
}

/** One more entry in a list that has `entries` already. */
function countEntry(entries: number): void {
  if (entries >= budgets.maxListValues) throw listBudgetExceeded(budgets.maxListValues);
}

/**
 * Well-formed but unacceptable content. Inside a span it rejects only that span
 * (its length is known, so decoding resumes after it); elsewhere the request.
 */
class NestingTooDeep extends DecodeError {}

interface DecodeContext {
  readonly reader: Reader;
  readonly spans: FlatSpan[];
  readonly log: validation.RejectionLog;
  /** Position of the next span in the request, for rejection messages. */
  spanIndex: number;
  /** Spans rejected for nesting deeper than the depth budget. */
  tooDeep: number;
}

export function decodeProtobufRequest(buf: Uint8Array, decodeBudgets: DecodeBudgets = DEFAULT_DECODE_BUDGETS): DecodedRequest {
  const ctx: DecodeContext = { reader: createReader(buf), spans: [], log: new RejectionLog(), spanIndex: 0, tooDeep: 0 };
  budgets = decodeBudgets;
  valuesLeft = decodeBudgets.maxValues;
  spansLeft = decodeBudgets.maxSpansPerRequest;
  try {
    readRequest(ctx);
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    // protobufjs signals bad input with RangeError / Error; a deeply nested group can overflow the stack.
    throw new DecodeError(`malformed OTLP protobuf: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { spans: ctx.spans, rejected: ctx.log.rejected, rejectReasons: ctx.log.reasons, tooDeep: ctx.tooDeep };
}

const hasNodeBuffers = typeof Buffer !== 'undefined';

// Readers are made per request and get their fields after construction (lib/runtime/hidden-classes.ts).
keepHiddenClasses(hasNodeBuffers ? protobuf.Reader.create(Buffer.alloc(0)) : null, protobuf.Reader.create(new Uint8Array(0)));

function createReader(buf: Uint8Array): Reader {
  // A Node Buffer gets protobufjs's BufferReader, whose string() uses the native UTF-8 decoder.
  if (hasNodeBuffers && !Buffer.isBuffer(buf)) {
    return protobuf.Reader.create(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
  }
  return protobuf.Reader.create(buf);
}

// ---- message framing ----------------------------------------------------------

function readTag(reader: Reader): number {
  const tag = reader.tag();
  if (tag < 8) throw new DecodeError(`invalid field number 0 at offset ${reader.pos}`);
  return tag;
}

/** Reads a length prefix and returns where the embedded message ends. */
function enterMessage(reader: Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new DecodeError(`truncated message: ${length} bytes at offset ${reader.pos}`);
  return end;
}

function leaveMessage(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new DecodeError(`field overruns its message at offset ${end}`);
}

function skipField(reader: Reader, tag: number): void {
  reader.skipType(tag & 7);
}

/*
 * Attribute keys and many values repeat in every span. Short strings are served
 * from a small cache indexed by a cheap hash of their length and a few bytes: a
 * hit saves the native UTF-8 decode and an allocation, and hands V8 the same,
 * already internalised key string every time, which makes building attribute
 * objects cheaper. Each slot keeps a copy of the bytes its string was decoded
 * from, and a hit requires all of them to be equal, so a hit returns exactly what
 * decoding would have (whatever the bytes, valid UTF-8 or not). Comparing bytes
 * with bytes measured faster than comparing them with the string's char codes.
 */
const STRING_CACHE_BITS = 12;
const MAX_CACHED_STRING_BYTES = 64;
const stringCache: string[] = new Array<string>(1 << STRING_CACHE_BITS).fill('');
/** Byte length of each slot's string; 0 marks an empty slot (empty strings are not cached). */
const cachedByteLengths = new Uint8Array(1 << STRING_CACHE_BITS);
const cachedBytes = new Uint8Array((1 << STRING_CACHE_BITS) * MAX_CACHED_STRING_BYTES);

function readString(reader: Reader): string {
  const lengthAt = reader.pos;
  const length = reader.uint32();
  const start = reader.pos;
  const end = start + length;
  if (length === 0 || length > MAX_CACHED_STRING_BYTES || end > reader.len) {
    reader.pos = lengthAt;
    return reader.string();
  }
  const buf = reader.buf;
  const quarter = length >>> 2;
  let hash = Math.imul(length ^ (buf[start] << 8) ^ (buf[start + (length >>> 1)] << 16) ^ (buf[end - 1] << 24), 0x9e3779b1);
  hash = Math.imul(hash ^ buf[start + quarter] ^ (buf[end - 1 - quarter] << 8), 0x85ebca6b);
  const slot = hash >>> (32 - STRING_CACHE_BITS);
  const base = slot * MAX_CACHED_STRING_BYTES;
  if (cachedByteLengths[slot] === length) {
    let i = 0;
    while (i < length && cachedBytes[base + i] === buf[start + i]) i++;
    if (i === length) {
      reader.pos = end;
      return stringCache[slot];
    }
  }
  reader.pos = lengthAt;
  const decoded = reader.string();
  stringCache[slot] = decoded;
  cachedByteLengths[slot] = length;
  for (let i = 0; i < length; i++) cachedBytes[base + i] = buf[start + i];
  return decoded;
}

/** Length-prefixed bytes as lowercase hex ('' when empty). */
function readHex(reader: Reader): string {
  const end = enterMessage(reader);
  const start = reader.pos;
  reader.pos = end;
  if (start === end) return '';
  // Node's native hex encoder (createReader guarantees a Buffer there) is ~3x faster than building the string in JS.
  return hasNodeBuffers ? (reader.buf as Buffer).toString('hex', start, end) : bytesToHex(reader.buf, start, end);
}

/** fixed64 nanoseconds → ms, read as two uint32 halves to stay clear of Long/BigInt. */
function readNanosAsMs(reader: Reader): number {
  const lo = reader.fixed32();
  const hi = reader.fixed32();
  return nanosPartsToMs(lo, hi);
}

/** int64 varint as uint32 halves (protobufjs would allocate a Long per value). */
function readInt64(reader: Reader): number | string {
  const buf = reader.buf;
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (reader.pos >= reader.len) throw new DecodeError('truncated varint');
    const byte = buf[reader.pos++];
    const bits = byte & 0x7f;
    if (shift < 28) lo |= bits << shift;
    else if (shift === 28) {
      lo |= bits << 28;
      hi |= bits >>> 4;
    } else hi |= bits << (shift - 32);
    if (byte < 0x80) return int64PartsToValue(lo >>> 0, hi >>> 0);
  }
  throw new DecodeError('varint longer than 10 bytes');
}

// ---- request structure --------------------------------------------------------

function readRequest(ctx: DecodeContext): void {
  const reader = ctx.reader;
  while (reader.pos < reader.len) {
    const tag = readTag(reader);
    if (tag === 10) readResourceSpans(ctx); // resource_spans = 1
    else skipField(reader, tag);
  }
}

function readResourceSpans(ctx: DecodeContext): void {
  const reader = ctx.reader;
  const end = enterMessage(reader);
  const firstSpan = ctx.spans.length;
  let resource: Record<string, AttrValue> | null = null;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) resource = readResource(reader, resource ?? {}); // resource = 1
    else if (tag === 18) readScopeSpans(ctx, resource ?? EMPTY_ATTRIBUTES); // scope_spans = 2
    else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  if (resource === null) return;
  freezeResource(resource);
  // The resource may legally follow some scope_spans on the wire.
  for (let i = firstSpan; i < ctx.spans.length; i++) ctx.spans[i].resource = resource;
}

/** Repeated occurrences of an embedded message merge, hence the accumulating target. */
function readResource(reader: Reader, target: Record<string, AttrValue>): Record<string, AttrValue> {
  const end = enterMessage(reader);
  let entries = 0;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) {
      countEntry(entries++);
      readKeyValueInto(reader, target, 0); // attributes = 1
    } else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  return target;
}

function readScopeSpans(ctx: DecodeContext, resource: Attributes): void {
  const reader = ctx.reader;
  const end = enterMessage(reader);
  const firstSpan = ctx.spans.length;
  let scope: string | null = null;
  let scopeSeenAfterSpans = false;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) {
      // scope = 1
      scope = readScopeName(reader, scope);
      scopeSeenAfterSpans ||= ctx.spans.length > firstSpan;
    } else if (tag === 18) readSpan(ctx, resource, scope); // spans = 2
    else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  if (scopeSeenAfterSpans) for (let i = firstSpan; i < ctx.spans.length; i++) ctx.spans[i].scope = scope;
}

function readScopeName(reader: Reader, previous: string | null): string | null {
  const end = enterMessage(reader);
  let name = previous;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) name = readString(reader) || null; // name = 1
    else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  return name;
}

function readSpan(ctx: DecodeContext, resource: Attributes, scope: string | null): void {
  if (--spansLeft < 0) throw spanBudgetExceeded(budgets.maxSpansPerRequest);
  const reader = ctx.reader;
  const end = enterMessage(reader);
  let attributeCount = 0;
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let name = '';
  let kind = 0;
  let startMs = 0;
  let endMs = 0;
  let attributes: Record<string, AttrValue> | null = null;
  let events: SpanEvent[] | null = null;
  let statusCode = 0;
  let statusMessage: string | null = null;
  try {
    while (reader.pos < end) {
      const tag = readTag(reader);
      switch (tag) {
        case 10: traceId = readHex(reader); break; // trace_id = 1
        case 18: spanId = readHex(reader); break; // span_id = 2
        case 34: parentSpanId = readHex(reader); break; // parent_span_id = 4
        case 42: name = readString(reader); break; // name = 5
        case 48: kind = reader.uint32(); break; // kind = 6
        case 57: startMs = readNanosAsMs(reader); break; // start_time_unix_nano = 7
        case 65: endMs = readNanosAsMs(reader); break; // end_time_unix_nano = 8
        case 74: countEntry(attributeCount++); readKeyValueInto(reader, (attributes ??= {}), 0); break; // attributes = 9
        case 90: countEntry(events?.length ?? 0); (events ??= []).push(readEvent(reader)); break; // events = 11
        case 122: { // status = 15
          const statusEnd = enterMessage(reader);
          while (reader.pos < statusEnd) {
            const statusTag = readTag(reader);
            if (statusTag === 18) statusMessage = readString(reader) || null; // message = 2
            else if (statusTag === 24) statusCode = reader.uint32(); // code = 3
            else skipField(reader, statusTag);
          }
          leaveMessage(reader, statusEnd);
          break;
        }
        default: skipField(reader, tag); // links, trace_state, flags, dropped counts, future fields
      }
    }
  } catch (err) {
    if (!(err instanceof NestingTooDeep)) throw err;
    reader.pos = end;
    ctx.tooDeep++;
    ctx.log.add(ctx.spanIndex++, err.message);
    return;
  }
  leaveMessage(reader, end);

  const spanIndex = ctx.spanIndex++;
  const problem = spanProblem(traceId, spanId, parentSpanId, startMs, endMs);
  if (problem !== null) {
    ctx.log.add(spanIndex, problem);
    return;
  }
  ctx.spans.push({
    traceId,
    spanId,
    parentSpanId: parentSpanId === '' || parentSpanId === ZERO_SPAN_ID ? null : parentSpanId,
    name,
    kind: normaliseKind(kind),
    startMs,
    endMs,
    statusCode: normaliseStatusCode(statusCode),
    statusMessage,
    attributes: attributes ?? {},
    resource,
    scope,
    events,
  });
}

function readEvent(reader: Reader): SpanEvent {
  countValue();
  const end = enterMessage(reader);
  let timeMs = 0;
  let name = '';
  let attributes: Record<string, AttrValue> | null = null;
  let entries = 0;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 9) timeMs = readNanosAsMs(reader); // time_unix_nano = 1
    else if (tag === 18) name = readString(reader); // name = 2
    else if (tag === 26) {
      countEntry(entries++);
      readKeyValueInto(reader, (attributes ??= {}), 0); // attributes = 3
    } else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  return { name, timeMs, attributes: attributes ?? EMPTY_ATTRIBUTES };
}

// ---- attribute values -----------------------------------------------------------

function readKeyValueInto(reader: Reader, target: Record<string, AttrValue>, depth: number): void {
  countValue();
  const end = enterMessage(reader);
  let key = '';
  let value: AttrValue = null;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) key = readString(reader); // key = 1
    else if (tag === 18) value = readAnyValue(reader, depth); // value = 2
    else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  setAttribute(target, key, value);
}

function readAnyValue(reader: Reader, depth: number): AttrValue {
  if (depth > budgets.maxDepth) throw new NestingTooDeep(`attribute value nested deeper than ${budgets.maxDepth}`);
  countValue();
  const end = enterMessage(reader);
  let value: AttrValue = null; // an unset AnyValue is OTLP's "empty"
  while (reader.pos < end) {
    const tag = readTag(reader);
    switch (tag) {
      case 10: value = readString(reader); break; // string_value = 1
      case 16: value = reader.bool(); break; // bool_value = 2
      case 24: value = readInt64(reader); break; // int_value = 3
      case 33: value = reader.double(); break; // double_value = 4
      case 42: value = readArrayValue(reader, depth + 1); break; // array_value = 5
      case 50: value = readKeyValueList(reader, depth + 1); break; // kvlist_value = 6
      case 58: { // bytes_value = 7: kept as base64 text, AttrValue has no binary form
        const bytesEnd = enterMessage(reader);
        value = protobuf.util.base64.encode(reader.buf, reader.pos, bytesEnd);
        reader.pos = bytesEnd;
        break;
      }
      default: skipField(reader, tag);
    }
  }
  leaveMessage(reader, end);
  return value;
}

function readArrayValue(reader: Reader, depth: number): AttrValue[] {
  const end = enterMessage(reader);
  const values: AttrValue[] = [];
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) {
      countEntry(values.length);
      values.push(readAnyValue(reader, depth)); // values = 1
    } else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  return values;
}

function readKeyValueList(reader: Reader, depth: number): Record<string, AttrValue> {
  const end = enterMessage(reader);
  const values: Record<string, AttrValue> = {};
  let entries = 0;
  while (reader.pos < end) {
    const tag = readTag(reader);
    if (tag === 10) {
      countEntry(entries++);
      readKeyValueInto(reader, values, depth); // values = 1
    } else skipField(reader, tag);
  }
  leaveMessage(reader, end);
  return values;
}
