import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from './decode-json';
import { encodeJsonRequest, msToNanosString } from './encode-json';
import type { Attributes, FlatSpan } from './types';

const resA: Attributes = { 'service.name': 'orders', 'host.cores': 2 };
const resB: Attributes = { 'service.name': 'payments' };

function span(over: Partial<FlatSpan> = {}): FlatSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    name: 'saga checkout',
    kind: 2,
    startMs: 1_764_000_000_123.456,
    endMs: 1_764_000_000_223.457,
    statusCode: 0,
    statusMessage: null,
    attributes: {},
    resource: resA,
    scope: 'orders-lib',
    events: null,
    ...over,
  };
}

describe('encodeJsonRequest', () => {
  it('is the OTLP/JSON shape: hex ids, nanosecond strings, integer enums, AnyValue attributes', () => {
    const out = encodeJsonRequest([
      span({ attributes: { 'saga.id': 'o-1', 'step.index': 3, ratio: 0.5, ok: true, tags: ['a', 1], nested: { k: 'v' }, none: null } }),
    ]);
    const s = out.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(out.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'orders' } },
      { key: 'host.cores', value: { intValue: '2' } },
    ]);
    expect(out.resourceSpans[0]!.scopeSpans[0]!.scope).toEqual({ name: 'orders-lib' });
    expect(s.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(s.parentSpanId).toBeUndefined();
    expect(s.kind).toBe(2);
    expect(s.startTimeUnixNano).toBe('1764000000123456000');
    expect(s.endTimeUnixNano).toBe('1764000000223457000');
    expect(s.status).toEqual({ code: 0 });
    expect(s.attributes).toEqual([
      { key: 'saga.id', value: { stringValue: 'o-1' } },
      { key: 'step.index', value: { intValue: '3' } },
      { key: 'ratio', value: { doubleValue: 0.5 } },
      { key: 'ok', value: { boolValue: true } },
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } } },
      { key: 'nested', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
      { key: 'none', value: {} },
    ]);
  });

  it('groups by resource and scope in first-seen order', () => {
    const out = encodeJsonRequest([
      span({ spanId: '0000000000000001' }),
      span({ spanId: '0000000000000002', resource: resB, scope: null }),
      span({ spanId: '0000000000000003', scope: 'other' }),
      span({ spanId: '0000000000000004' }),
    ]);
    expect(out.resourceSpans).toHaveLength(2);
    expect(out.resourceSpans[0]!.scopeSpans.map((g) => [g.scope?.name, g.spans.map((s) => s.spanId.slice(-1))])).toEqual([
      ['orders-lib', ['1', '4']],
      ['other', ['3']],
    ]);
    expect(out.resourceSpans[1]!.scopeSpans[0]).not.toHaveProperty('scope');
  });

  it('decodes back to the same spans (the download re-ingests unchanged)', () => {
    const spans = [
      span({ attributes: { big: '9223372036854775807', n: -42, d: 1.25, arr: [true, null, { x: [1.5] }], s: 'ü<b>' } }),
      span({
        spanId: '00f067aa0ba902b7',
        parentSpanId: 'b7ad6b7169203331',
        kind: 3,
        statusCode: 2,
        statusMessage: 'card declined',
        resource: resB,
        scope: null,
        startMs: 4_102_444_800_000.001, // 2100: doubles coarser than a microsecond's step
        endMs: 4_102_444_800_000.999,
        events: [{ name: 'exception', timeMs: 4_102_444_800_000.5, attributes: { 'exception.message': 'boom' } }],
      }),
    ];
    const decoded = decodeJsonRequest(JSON.stringify(encodeJsonRequest(spans)));
    expect(decoded.rejected).toBe(0);
    expect(decoded.spans).toEqual(spans);
  });

  it('writes times exactly, including the epoch and far-future microseconds', () => {
    expect(msToNanosString(0)).toBe('0');
    expect(msToNanosString(1.001)).toBe('1001000');
    for (const ms of [1_764_000_000_000.001, 4_102_444_800_000.007, 9_999_999_999_999.999]) {
      const nanos = msToNanosString(ms);
      expect(Number(nanos.slice(0, -3)) / 1000).toBe(ms);
    }
  });
});
