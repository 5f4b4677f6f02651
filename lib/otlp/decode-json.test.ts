import { describe, expect, it } from 'vitest';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeJsonRequest } from './decode-json';
import { decodeProtobufRequest } from './decode-protobuf';
import { DecodeError } from './types';
import { nanosPartsToMs } from './wire-conversions';
import { sagaTraceSpans } from '../../test/support/otlp/sdk-spans';
import { expectedFlatSpan } from '../../test/support/otlp/expected-spans';

const sdkSpans = sagaTraceSpans();

function jsonBytes(): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(sdkSpans);
  if (!bytes) throw new Error('serializer produced nothing');
  return bytes;
}

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

/** A request with one span; `span` fields override a minimal valid span. */
function request(span: Record<string, unknown>, envelope: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            scope: { name: 'scope' },
            spans: [{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'op', startTimeUnixNano: '1767225600000000000', endTimeUnixNano: '1767225600001000000', ...span }],
          },
        ],
        ...envelope,
      },
    ],
  });
}

function onlySpan(json: string) {
  const result = decodeJsonRequest(json);
  expect(result.rejectReasons).toEqual([]);
  expect(result.spans).toHaveLength(1);
  return result.spans[0];
}

describe('decodeJsonRequest against the official OTLP/JSON serializer', () => {
  const decoded = decodeJsonRequest(jsonBytes());

  it('keeps every span and rejects none', () => {
    expect(decoded.rejected).toBe(0);
    expect(decoded.spans).toHaveLength(sdkSpans.length);
  });

  it.each(sdkSpans.map((span) => [span.name, span] as const))('decodes %s field by field', (_, sdkSpan) => {
    expect(decoded.spans.find((s) => s.spanId === sdkSpan.spanContext().spanId)).toEqual(expectedFlatSpan(sdkSpan));
  });

  it('produces exactly what the protobuf decoder produces for the same spans', () => {
    const fromProtobuf = decodeProtobufRequest(ProtobufTraceSerializer.serializeRequest(sdkSpans)!);
    expect(decoded).toEqual(fromProtobuf);
  });

  it('shares one frozen resource object between the spans of a resource', () => {
    const resources = new Set(decoded.spans.map((s) => s.resource));
    expect(resources.size).toBe(1);
    expect(Object.isFrozen([...resources][0])).toBe(true);
  });

  it('accepts text as well as bytes', () => {
    expect(decodeJsonRequest(new TextDecoder().decode(jsonBytes()))).toEqual(decoded);
  });
});

describe('decodeJsonRequest quirks of the OTLP/JSON encoding', () => {
  it('accepts int64 times as strings and as numbers, with the same result', () => {
    const asString = onlySpan(request({ startTimeUnixNano: '1767225600123456789', endTimeUnixNano: '1767225600223456500' }));
    const asNumber = onlySpan(request({ startTimeUnixNano: 1767225600123456789, endTimeUnixNano: 1767225600223456500 }));
    expect(asString.startMs).toBe(1767225600123.457);
    expect(asString.endMs).toBe(1767225600223.457); // …456.5 µs rounds half up
    expect(asNumber.startMs).toBe(asString.startMs);
    expect(asNumber.endMs).toBe(asString.endMs);
  });

  it.each([
    [2, 2],
    ['SPAN_KIND_CLIENT', 3],
    ['span_kind_producer', 4],
    ['CONSUMER', 5],
    ['4', 4],
    ['SPAN_KIND_FUTURE', 0],
    [42, 0],
  ])('accepts kind %j as %i', (kind, expected) => {
    expect(onlySpan(request({ kind })).kind).toBe(expected);
  });

  it.each([
    [{ code: 2, message: 'boom' }, 2, 'boom'],
    [{ code: 'STATUS_CODE_ERROR' }, 2, null],
    [{ code: 'STATUS_CODE_OK', message: '' }, 1, null],
    [{}, 0, null],
  ])('accepts status %j', (status, code, message) => {
    expect(onlySpan(request({ status }))).toMatchObject({ statusCode: code, statusMessage: message });
  });

  it('accepts snake_case keys everywhere', () => {
    const json = JSON.stringify({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }] },
          scope_spans: [
            {
              scope: { name: 'scope' },
              spans: [
                {
                  trace_id: TRACE_ID,
                  span_id: SPAN_ID,
                  parent_span_id: 'aaaaaaaaaaaaaaaa',
                  name: 'op',
                  start_time_unix_nano: '1767225600000000000',
                  end_time_unix_nano: '1767225600001000000',
                  attributes: [
                    { key: 'n', value: { int_value: '5' } },
                    { key: 'd', value: { double_value: 0.5 } },
                    { key: 'b', value: { bool_value: true } },
                    { key: 'a', value: { array_value: { values: [{ string_value: 'x' }] } } },
                    { key: 'k', value: { kvlist_value: { values: [{ key: 'y', value: { int_value: 1 } }] } } },
                    { key: 'bytes', value: { bytes_value: 'AAEC' } },
                  ],
                  events: [{ time_unix_nano: '1767225600000500000', name: 'e' }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(onlySpan(json)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      name: 'op',
      kind: 0,
      startMs: 1767225600000,
      endMs: 1767225600001,
      statusCode: 0,
      statusMessage: null,
      attributes: { n: 5, d: 0.5, b: true, a: ['x'], k: { y: 1 }, bytes: 'AAEC' },
      resource: { 'service.name': 'svc' },
      scope: 'scope',
      events: [{ name: 'e', timeMs: 1767225600000.5, attributes: {} }],
    });
  });

  it('lowercases upper-case hex ids', () => {
    const span = onlySpan(request({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase(), parentSpanId: 'ABCDEF0123456789' }));
    expect(span).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: 'abcdef0123456789' });
  });

  it('treats an empty or all-zero parent span id as a root', () => {
    expect(onlySpan(request({ parentSpanId: '' })).parentSpanId).toBeNull();
    expect(onlySpan(request({ parentSpanId: '0000000000000000' })).parentSpanId).toBeNull();
  });

  it('ignores unknown fields at every level and legacy instrumentationLibrarySpans', () => {
    const json = request(
      { futureField: { nested: true }, flags: 257, links: [{ traceId: TRACE_ID, spanId: SPAN_ID }], droppedAttributesCount: 3 },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.21.0', instrumentationLibrarySpans: [{ spans: [{ traceId: 1 }] }], extra: 1 },
    );
    const withTopLevelExtra = JSON.stringify({ ...JSON.parse(json), somethingNew: [1, 2] });
    const span = onlySpan(withTopLevelExtra);
    expect(span.name).toBe('op');
    expect(decodeJsonRequest(withTopLevelExtra).rejected).toBe(0);
  });

  it('decodes int64 attribute values as numbers when safe and exact decimal strings otherwise', () => {
    const attributes = [
      ['small', { intValue: '12' }],
      ['padded', { intValue: '007' }],
      ['negative', { intValue: -3 }],
      ['max', { intValue: '9223372036854775807' }],
      ['min', { intValue: '-9223372036854775808' }],
      ['unsafeNumber', { intValue: 2 ** 60 }],
      ['nan', { doubleValue: 'NaN' }],
      ['inf', { doubleValue: '-Infinity' }],
      ['dbl', { doubleValue: '2.5' }],
      ['empty', {}],
      ['missing', undefined],
    ].map(([key, value]) => ({ key, value }));
    expect(onlySpan(request({ attributes })).attributes).toEqual({
      small: 12,
      padded: 7,
      negative: -3,
      max: '9223372036854775807',
      min: '-9223372036854775808',
      unsafeNumber: '1152921504606846976',
      nan: NaN,
      inf: -Infinity,
      dbl: 2.5,
      empty: null,
      missing: null,
    });
  });

  it('keeps a "__proto__" attribute key as data', () => {
    const span = onlySpan(request({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] }));
    expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
    expect(Object.entries(span.attributes)).toEqual([['__proto__', 'x']]);
  });
});

describe('decodeJsonRequest on malformed input', () => {
  it.each([
    ['invalid JSON', '{"resourceSpans": ['],
    ['an empty body', ''],
    ['a top-level array', '[]'],
    ['a top-level null', 'null'],
    ['a top-level string', '"hello"'],
    ['a top-level number', '42'],
    ['resourceSpans not an array', '{"resourceSpans": {}}'],
    ['a ResourceSpans that is not an object', '{"resourceSpans": [1]}'],
    ['scopeSpans not an array', '{"resourceSpans": [{"scopeSpans": "x"}]}'],
    ['spans not an array', '{"resourceSpans": [{"scopeSpans": [{"spans": 5}]}]}'],
    ['a span that is not an object', '{"resourceSpans": [{"scopeSpans": [{"spans": [null]}]}]}'],
    ['a resource that is not an object', '{"resourceSpans": [{"resource": []}]}'],
    ['malformed resource attributes', '{"resourceSpans": [{"resource": {"attributes": {"k": "v"}}}]}'],
    ['a scope name that is not a string', '{"resourceSpans": [{"scopeSpans": [{"scope": {"name": 1}}]}]}'],
  ])('throws DecodeError for %s', (_, text) => {
    expect(() => decodeJsonRequest(text)).toThrow(DecodeError);
  });

  it.each([
    // the same instant the protobuf decoder reads from fixed64 0xffff…ff (2554-07-21)
    ['the largest uint64', '18446744073709551615', nanosPartsToMs(0xffffffff, 0xffffffff)],
    ['leading zeros', '0001767225600000000000', 1767225600000],
  ])('accepts an end time of %s', (_, nanos, ms) => {
    const result = decodeJsonRequest(request({ endTimeUnixNano: nanos }));
    expect(result.rejected).toBe(0);
    expect(result.spans[0]!.endMs).toBe(ms);
  });

  it('accepts an empty object as a request without spans', () => {
    expect(decodeJsonRequest('{}')).toEqual({ spans: [], rejected: 0, rejectReasons: [], tooDeep: 0 });
  });

  it.each([
    ['traceId is a number', { traceId: 12 }, 'traceId must be a hex string'],
    ['traceId is not hex', { traceId: 'zz'.repeat(16) }, 'traceId is not hex'],
    ['spanId has an odd length', { spanId: 'abc' }, 'spanId is not hex'],
    ['a base64 trace id', { traceId: 'W47/95gDgQPSabYzgT/GDA==' }, 'traceId is not hex'],
    ['name is an object', { name: {} }, 'name must be a string'],
    ['a negative start time', { startTimeUnixNano: -5 }, 'startTimeUnixNano must be an unsigned 64-bit integer'],
    ['a fractional end time', { endTimeUnixNano: '1.5' }, 'endTimeUnixNano must be an unsigned 64-bit integer'],
    // The poison span of issue 15: PostgreSQL refused the whole group commit over it.
    ['a start time in the year 10000', { startTimeUnixNano: '253402300800000000000' }, 'startTimeUnixNano must be an unsigned 64-bit integer'],
    ['an end time one past uint64', { endTimeUnixNano: '18446744073709551616' }, 'endTimeUnixNano must be an unsigned 64-bit integer'],
    ['an end time past uint64 as a number', { endTimeUnixNano: 1e21 }, 'endTimeUnixNano must be an unsigned 64-bit integer'],
    ['attributes is an object', { attributes: { k: 'v' } }, 'attributes must be an array'],
    ['an attribute entry is a string', { attributes: ['k=v'] }, 'attribute entries must be {key, value} objects'],
    ['intValue is not an integer', { attributes: [{ key: 'n', value: { intValue: 'abc' } }] }, 'intValue must be an integer'],
    ['boolValue is a string', { attributes: [{ key: 'b', value: { boolValue: 'true' } }] }, 'boolValue must be a boolean'],
    ['an array value is not an object', { attributes: [{ key: 'a', value: { arrayValue: [1] } }] }, 'arrayValue must be an object'],
    ['events is an object', { events: {} }, 'events must be an array'],
    ['an event time is garbage', { events: [{ timeUnixNano: 'soon', name: 'e' }] }, 'event timeUnixNano must be an unsigned 64-bit integer'],
    ['status is a string', { status: 'ERROR' }, 'status must be an object'],
    ['kind is a boolean', { kind: true }, 'kind must be an integer or enum name'],
  ])('rejects only the span when %s', (_, fields, reason) => {
    const json = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { ...JSON.parse(request({})).resourceSpans[0].scopeSpans[0].spans[0], spanId: '1111111111111111' },
                { ...JSON.parse(request({})).resourceSpans[0].scopeSpans[0].spans[0], ...fields },
                { ...JSON.parse(request({})).resourceSpans[0].scopeSpans[0].spans[0], spanId: '2222222222222222' },
              ],
            },
          ],
        },
      ],
    });
    const result = decodeJsonRequest(json);
    expect(result.rejected).toBe(1);
    expect(result.rejectReasons).toEqual([`span 1: ${reason}`]);
    expect(result.spans.map((s) => s.spanId)).toEqual(['1111111111111111', '2222222222222222']);
  });

  // built as text: JSON.stringify itself would overflow the stack on the deepest case
  const nested = (depth: number, kind: 'array' | 'kvlist') =>
    request({ attributes: [{ key: 'deep', value: 'DEEP' }] }).replace(
      '"DEEP"',
      kind === 'array'
        ? '{"arrayValue":{"values":['.repeat(depth) + '{}' + ']}}'.repeat(depth)
        : '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth) + '{}' + '}]}}'.repeat(depth),
    );

  it.each([
    [32, 'array', 0],
    [33, 'array', 1],
    [32, 'kvlist', 0],
    [33, 'kvlist', 1],
  ] as const)('limits attribute value nesting: %i levels of %s values → %i rejected', (depth, kind, rejected) => {
    const result = decodeJsonRequest(nested(depth, kind));
    expect(result.rejected).toBe(rejected);
    expect(result.tooDeep).toBe(rejected);
    if (rejected) expect(result.rejectReasons).toEqual(['span 0: attribute value nested deeper than 32']);
  });

  it('refuses JSON nested far deeper than any allowed value before parsing it (depth budget)', () => {
    expect(() => decodeJsonRequest(nested(5000, 'array'))).toThrow(expect.objectContaining({ budget: 'depth', message: expect.stringMatching(/JSON nested deeper than 144 levels/) }));
    // …but not a span's events at the deepest allowed kvlist nesting
    const events = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE_ID, spanId: SPAN_ID, startTimeUnixNano: '1767225600000000000', endTimeUnixNano: '1767225600001000000', events: [{ attributes: [{ key: 'deep', value: 'DEEP' }] }] }] }] }] });
    const deepest = events.replace('"DEEP"', '{"kvlistValue":{"values":[{"key":"k","value":'.repeat(32) + '{}' + '}]}}'.repeat(32));
    expect(decodeJsonRequest(deepest).rejected).toBe(0);
  });
});
