import { describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtobufRequest } from './decode-protobuf';
import { encodeProtobufRequest } from './encode-protobuf';
import { EMPTY_ATTRIBUTES } from './wire-conversions';
import type { FlatSpan } from './types';
import { ingestBatch, sagaTraceSpans } from '../../test/support/otlp/sdk-spans';
import { flatSpan } from '../../test/support/otlp/flat-spans';

describe('encodeProtobufRequest', () => {
  it('round-trips decoded SDK spans exactly', () => {
    const decoded = decodeProtobufRequest(ProtobufTraceSerializer.serializeRequest(sagaTraceSpans())!);
    expect(decodeProtobufRequest(encodeProtobufRequest(decoded.spans))).toEqual(decoded);
  });

  it('round-trips a 1,000-span batch, preserving times to the microsecond', () => {
    const decoded = decodeProtobufRequest(ProtobufTraceSerializer.serializeRequest(ingestBatch(1000))!);
    const again = decodeProtobufRequest(encodeProtobufRequest(decoded.spans));
    expect(again.spans).toEqual(decoded.spans);
    for (let i = 0; i < decoded.spans.length; i++) expect(again.spans[i].startMs).toBe(decoded.spans[i].startMs);
  });

  it('round-trips every attribute value shape, events and status', () => {
    const span = flatSpan({
      statusCode: 2,
      statusMessage: 'failed',
      kind: 5,
      parentSpanId: null,
      scope: null,
      startMs: 4102444800000.001, // 2100-01-01, beyond where nanoseconds fit a double exactly
      endMs: 4102444800000.999,
      attributes: {
        s: 'text',
        t: true,
        f: false,
        i: -12,
        big: '-9223372036854775808',
        d: 0.1,
        nz: -0,
        huge: 2 ** 70,
        inf: Infinity,
        arr: [1, 'two', [3], null, { four: 4 }],
        obj: { nested: { deeper: ['x'] } },
        none: null,
        ['__proto__']: 'data',
      },
      events: [
        { name: 'with-attributes', timeMs: 4102444800000.5, attributes: { k: 'v' } },
        { name: '', timeMs: 0, attributes: EMPTY_ATTRIBUTES },
      ],
    });
    const [decoded] = decodeProtobufRequest(encodeProtobufRequest([span])).spans;
    expect(decoded).toEqual(span);
    expect(Object.is(decoded.attributes.nz, -0)).toBe(true);
  });

  it('groups spans by resource identity and scope name', () => {
    const shared = Object.freeze({ 'service.name': 'a' });
    const other = Object.freeze({ 'service.name': 'b' });
    const spans: FlatSpan[] = [
      flatSpan({ spanId: '0000000000000001', resource: shared, scope: 'x' }),
      flatSpan({ spanId: '0000000000000002', resource: other, scope: 'x' }),
      flatSpan({ spanId: '0000000000000003', resource: shared, scope: 'y' }),
      flatSpan({ spanId: '0000000000000004', resource: shared, scope: 'x' }),
    ];
    const decoded = decodeProtobufRequest(encodeProtobufRequest(spans)).spans;
    expect(decoded.map((s) => [s.spanId, s.resource['service.name'], s.scope])).toEqual([
      ['0000000000000001', 'a', 'x'],
      ['0000000000000004', 'a', 'x'],
      ['0000000000000003', 'a', 'y'],
      ['0000000000000002', 'b', 'x'],
    ]);
    expect(decoded[0].resource).toBe(decoded[2].resource);
    expect(decoded[0].resource).not.toBe(decoded[3].resource);
  });

  it('encodes nothing for no spans', () => {
    expect(encodeProtobufRequest([])).toHaveLength(0);
  });
});
