/**
 * OTLP/JSON ExportTraceServiceRequest → flat span records (same output as the
 * protobuf decoder for the same data).
 *
 * The OTLP JSON mapping differs from plain proto3 JSON: trace/span ids are hex,
 * not base64. int64 values may come as strings or numbers; enums as integers or
 * (leniently) names; keys in lowerCamelCase or the proto's snake_case. Unknown
 * fields are ignored.
 *
 * A malformed request envelope (resourceSpans, resource, scope) makes the whole
 * request undecodable; a malformed span only rejects that span. The decode
 * budgets are checked on the bytes before JSON.parse (json-budget-scan.ts).
 */
import { DecodeError, type AttrValue, type Attributes, type DecodedRequest, type FlatSpan, type SpanEvent } from './types';
import { RejectionLog, spanProblem } from './span-validation';
import {
  EMPTY_ATTRIBUTES,
  ZERO_SPAN_ID,
  freezeResource,
  jsonInt64ToValue,
  nanosNumberToMs,
  nanosStringToMs,
  normaliseKind,
  normaliseStatusCode,
  setAttribute,
} from './wire-conversions';
import { DEFAULT_DECODE_BUDGETS, type DecodeBudgets } from './decode-budget';
import { scanJsonBudgets } from './json-budget-scan';

type JsonObject = Record<string, unknown>;

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Thrown inside one span (or the envelope) when a value has the wrong shape. */
class ShapeError extends Error {}
class NestingTooDeep extends ShapeError {}

/** Depth budget of the request being decoded (synchronous, one request at a time per thread). */
let maxDepth = DEFAULT_DECODE_BUDGETS.maxDepth;

export function decodeJsonRequest(text: string | Uint8Array, budgets: DecodeBudgets = DEFAULT_DECODE_BUDGETS): DecodedRequest {
  // Strings come from tests and tools; the collector passes the request's bytes.
  scanJsonBudgets(typeof text === 'string' ? utf8Encoder.encode(text) : text, budgets);
  maxDepth = budgets.maxDepth;
  const root = parseJson(text);
  const log = new RejectionLog();
  let tooDeep = 0;
  const spans: FlatSpan[] = [];
  let spanIndex = 0;
  for (const resourceSpans of envelopeArray(root, 'resourceSpans', 'resource_spans')) {
    const resource = decodeResource(resourceSpans);
    for (const scopeSpans of envelopeArray(resourceSpans, 'scopeSpans', 'scope_spans')) {
      const scope = decodeScopeName(scopeSpans);
      for (const raw of envelopeArray(scopeSpans, 'spans', 'spans')) {
        const index = spanIndex++;
        try {
          const span = decodeSpan(raw, resource, scope);
          if (typeof span === 'string') log.add(index, span);
          else spans.push(span);
        } catch (err) {
          if (!(err instanceof ShapeError)) throw err;
          if (err instanceof NestingTooDeep) tooDeep++;
          log.add(index, err.message);
        }
      }
    }
  }
  return { spans, rejected: log.rejected, rejectReasons: log.reasons, tooDeep };
}

function parseJson(text: string | Uint8Array): JsonObject {
  // Non-fatal decoding: a stray invalid byte inside an attribute must not cost the whole batch.
  const source = typeof text === 'string' ? text : utf8Decoder.decode(text);
  let root: unknown;
  try {
    root = JSON.parse(source);
  } catch (err) {
    throw new DecodeError(`invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(root)) throw new DecodeError('OTLP/JSON request must be a JSON object');
  return root;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OTLP/JSON receivers must accept both the lowerCamelCase and the original proto field names. */
function field(obj: JsonObject, camel: string, snake: string): unknown {
  const value = obj[camel];
  return value !== undefined ? value : obj[snake];
}

// ---- envelope -------------------------------------------------------------------

function envelopeArray(obj: JsonObject, camel: string, snake: string): JsonObject[] {
  const value = field(obj, camel, snake);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError(`${camel} must be an array`);
  for (const item of value) if (!isObject(item)) throw new DecodeError(`${camel} entries must be objects`);
  return value as JsonObject[];
}

function decodeResource(resourceSpans: JsonObject): Attributes {
  const resource = resourceSpans.resource;
  if (resource === undefined || resource === null) return EMPTY_ATTRIBUTES;
  if (!isObject(resource)) throw new DecodeError('resource must be an object');
  try {
    return freezeResource(decodeAttributes(resource.attributes, 'resource.attributes'));
  } catch (err) {
    if (err instanceof ShapeError) throw new DecodeError(err.message);
    throw err;
  }
}

function decodeScopeName(scopeSpans: JsonObject): string | null {
  const scope = scopeSpans.scope;
  if (scope === undefined || scope === null) return null;
  if (!isObject(scope)) throw new DecodeError('scope must be an object');
  const name = scope.name;
  if (name === undefined || name === null || name === '') return null;
  if (typeof name !== 'string') throw new DecodeError('scope.name must be a string');
  return name;
}

// ---- span -------------------------------------------------------------------------

/** The span, or why it is rejected. */
function decodeSpan(raw: JsonObject, resource: Attributes, scope: string | null): FlatSpan | string {
  const traceId = hexId(field(raw, 'traceId', 'trace_id'), 'traceId');
  const spanId = hexId(field(raw, 'spanId', 'span_id'), 'spanId');
  const parentSpanId = hexId(field(raw, 'parentSpanId', 'parent_span_id'), 'parentSpanId');
  const startMs = nanosToMs(field(raw, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  const endMs = nanosToMs(field(raw, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  const problem = spanProblem(traceId, spanId, parentSpanId, startMs, endMs);
  if (problem !== null) return problem;

  const status = raw.status;
  if (status !== undefined && status !== null && !isObject(status)) throw new ShapeError('status must be an object');
  return {
    traceId,
    spanId,
    parentSpanId: parentSpanId === '' || parentSpanId === ZERO_SPAN_ID ? null : parentSpanId,
    name: optionalString(raw.name, 'name') ?? '',
    kind: normaliseKind(enumValue(raw.kind, 'SPAN_KIND_', SPAN_KINDS, 'kind')),
    startMs,
    endMs,
    statusCode: status ? normaliseStatusCode(enumValue(status.code, 'STATUS_CODE_', STATUS_CODES, 'status.code')) : 0,
    statusMessage: status ? optionalString(status.message, 'status.message') || null : null,
    attributes: decodeAttributes(raw.attributes, 'attributes'),
    resource,
    scope,
    events: decodeEvents(raw.events),
  };
}

const HEX = /^[0-9a-f]*$/;

/** Lowercase hex ('' when absent); the byte length is checked by spanProblem. */
function hexId(value: unknown, name: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new ShapeError(`${name} must be a hex string`);
  const hex = value.toLowerCase();
  if (hex.length % 2 !== 0 || !HEX.test(hex)) throw new ShapeError(`${name} is not hex`);
  return hex;
}

const UINT64_MAX_DIGITS = '18446744073709551615';

/** A decimal string within fixed64's range: what the protobuf field can hold, nothing further. */
function isUint64Decimal(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  const d = digits.replace(/^0+(?=\d)/, '');
  return d.length < UINT64_MAX_DIGITS.length || (d.length === UINT64_MAX_DIGITS.length && d <= UINT64_MAX_DIGITS);
}

/**
 * Absent → 0, which spanProblem reports; wrong types are shape errors. JSON can
 * write any number of digits; beyond uint64 (year 2554) is refused here, like
 * the year-10000 span that once failed every request sharing its transaction.
 */
function nanosToMs(value: unknown, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string' && isUint64Decimal(value)) return nanosStringToMs(value);
  // 2^64 itself passes: the largest uint64 has no exact double and rounds to it.
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2 ** 64) return nanosNumberToMs(value);
  throw new ShapeError(`${name} must be an unsigned 64-bit integer`);
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ShapeError(`${name} must be a string`);
  return value;
}

const SPAN_KINDS: Record<string, number> = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

/** Integer, numeric string or enum name (with or without its prefix, any case); unknown names → 0. */
function enumValue(value: unknown, prefix: string, names: Record<string, number>, name: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw new ShapeError(`${name} must be an integer or enum name`);
  if (/^\d+$/.test(value)) return Number(value);
  const upper = value.toUpperCase();
  const key = upper.startsWith(prefix) ? upper.slice(prefix.length) : upper;
  return Object.hasOwn(names, key) ? names[key] : 0;
}

function decodeEvents(value: unknown): SpanEvent[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new ShapeError('events must be an array');
  if (value.length === 0) return null;
  return value.map((raw: unknown): SpanEvent => {
    if (!isObject(raw)) throw new ShapeError('events entries must be objects');
    const attributes = decodeAttributes(raw.attributes, 'event attributes');
    return {
      name: optionalString(raw.name, 'event name') ?? '',
      timeMs: nanosToMs(field(raw, 'timeUnixNano', 'time_unix_nano'), 'event timeUnixNano'),
      attributes: Object.keys(attributes).length === 0 ? EMPTY_ATTRIBUTES : attributes,
    };
  });
}

// ---- attribute values ---------------------------------------------------------------

function decodeAttributes(value: unknown, name: string): Record<string, AttrValue> {
  const target: Record<string, AttrValue> = {};
  if (value === undefined || value === null) return target;
  if (!Array.isArray(value)) throw new ShapeError(`${name} must be an array`);
  for (const keyValue of value) addKeyValue(target, keyValue, 0);
  return target;
}

function addKeyValue(target: Record<string, AttrValue>, keyValue: unknown, depth: number): void {
  if (!isObject(keyValue)) throw new ShapeError('attribute entries must be {key, value} objects');
  const key = optionalString(keyValue.key, 'attribute key') ?? '';
  setAttribute(target, key, anyValue(keyValue.value, depth));
}

function anyValue(value: unknown, depth: number): AttrValue {
  if (depth > maxDepth) throw new NestingTooDeep(`attribute value nested deeper than ${maxDepth}`);
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw new ShapeError('attribute value must be an AnyValue object');

  const stringValue = field(value, 'stringValue', 'string_value');
  if (stringValue !== undefined && stringValue !== null) return requireString(stringValue, 'stringValue');
  const boolValue = field(value, 'boolValue', 'bool_value');
  if (boolValue !== undefined && boolValue !== null) {
    if (typeof boolValue !== 'boolean') throw new ShapeError('boolValue must be a boolean');
    return boolValue;
  }
  const intValue = field(value, 'intValue', 'int_value');
  if (intValue !== undefined && intValue !== null) {
    const int = jsonInt64ToValue(intValue);
    if (int === undefined) throw new ShapeError('intValue must be an integer');
    return int;
  }
  const doubleValue = field(value, 'doubleValue', 'double_value');
  if (doubleValue !== undefined && doubleValue !== null) return doubleFrom(doubleValue);
  const arrayValue = field(value, 'arrayValue', 'array_value');
  if (arrayValue !== undefined && arrayValue !== null) return arrayFrom(arrayValue, depth + 1);
  const kvlistValue = field(value, 'kvlistValue', 'kvlist_value');
  if (kvlistValue !== undefined && kvlistValue !== null) return kvlistFrom(kvlistValue, depth + 1);
  const bytesValue = field(value, 'bytesValue', 'bytes_value');
  // base64 text, as the protobuf decoder produces for bytes_value
  if (bytesValue !== undefined && bytesValue !== null) return requireString(bytesValue, 'bytesValue');
  return null;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${name} must be a string`);
  return value;
}

/** proto3 JSON writes NaN / Infinity as strings. */
function doubleFrom(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw new ShapeError('doubleValue must be a number');
}

function arrayFrom(value: unknown, depth: number): AttrValue[] {
  if (!isObject(value)) throw new ShapeError('arrayValue must be an object');
  const values = value.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) throw new ShapeError('arrayValue.values must be an array');
  return values.map((item: unknown) => anyValue(item, depth));
}

function kvlistFrom(value: unknown, depth: number): Record<string, AttrValue> {
  if (!isObject(value)) throw new ShapeError('kvlistValue must be an object');
  const values = value.values;
  const target: Record<string, AttrValue> = {};
  if (values === undefined || values === null) return target;
  if (!Array.isArray(values)) throw new ShapeError('kvlistValue.values must be an array');
  for (const keyValue of values) addKeyValue(target, keyValue, depth);
  return target;
}
