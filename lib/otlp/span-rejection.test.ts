import { describe, expect, it } from 'vitest';
import { decodeJsonRequest } from './decode-json';
import { decodeProtobufRequest } from './decode-protobuf';
import { encodeProtobufRequest } from './encode-protobuf';
import type { DecodedRequest, FlatSpan } from './types';
import { flatSpan, numberedSpans, toOtlpJson } from '../../test/support/otlp/flat-spans';

const encodings: [string, (spans: FlatSpan[]) => DecodedRequest][] = [
  ['protobuf', (spans) => decodeProtobufRequest(encodeProtobufRequest(spans))],
  ['json', (spans) => decodeJsonRequest(JSON.stringify(toOtlpJson(spans)))],
];

const invalidSpans: [string, Partial<FlatSpan>, string][] = [
  ['missing trace id', { traceId: '' }, 'trace id must be 16 bytes (got 0)'],
  ['15-byte trace id', { traceId: 'ab'.repeat(15) }, 'trace id must be 16 bytes (got 15)'],
  ['17-byte trace id', { traceId: 'ab'.repeat(17) }, 'trace id must be 16 bytes (got 17)'],
  ['all-zero trace id', { traceId: '00'.repeat(16) }, 'trace id is all zero'],
  ['missing span id', { spanId: '' }, 'span id must be 8 bytes (got 0)'],
  ['16-byte span id', { spanId: 'cd'.repeat(16) }, 'span id must be 8 bytes (got 16)'],
  ['all-zero span id', { spanId: '00'.repeat(8) }, 'span id is all zero'],
  ['4-byte parent span id', { parentSpanId: 'ef'.repeat(4) }, 'parent span id must be empty or 8 bytes (got 4)'],
  ['start time 0', { startMs: 0 }, 'start time is 0'],
  ['end before start', { endMs: 1767225600000.122 }, 'end time is before start time'],
  ['missing end time', { endMs: 0 }, 'end time is before start time'],
];

describe.each(encodings)('per-span validation (%s)', (_, roundTrip) => {
  it.each(invalidSpans)('rejects a span with %s and keeps the others', (_, invalid, reason) => {
    const [first, second, third] = numberedSpans(3);
    const result = roundTrip([first, { ...second, ...invalid }, third]);
    expect(result.rejected).toBe(1);
    expect(result.rejectReasons).toEqual([`span 1: ${reason}`]);
    expect(result.spans.map((s) => s.spanId)).toEqual([first.spanId, third.spanId]);
  });

  it('accepts the boundary cases: zero duration, root span, all-zero parent', () => {
    const result = roundTrip([
      flatSpan({ spanId: '0000000000000001', endMs: flatSpan().startMs }),
      flatSpan({ spanId: '0000000000000002', parentSpanId: null }),
      flatSpan({ spanId: '0000000000000003', parentSpanId: '0000000000000000' }),
    ]);
    expect(result.rejected).toBe(0);
    expect(result.spans.map((s) => s.parentSpanId)).toEqual(['00f067aa0ba902b7', null, null]);
  });

  it('counts every rejection but keeps only the first five reasons', () => {
    const spans = numberedSpans(9).map((span, i) => (i % 3 === 0 ? span : { ...span, startMs: 0 }));
    const result = roundTrip(spans);
    expect(result.spans).toHaveLength(3);
    expect(result.rejected).toBe(6);
    expect(result.rejectReasons).toEqual([1, 2, 4, 5, 7].map((i) => `span ${i}: start time is 0`));
  });
});
