import { describe, expect, it } from 'vitest';
import { decodeRequestRows, type RequestLimits } from './decode-rows';
import { keyLinesOf } from './copy-block';
import { encodeProtobufRequest } from '../otlp/encode-protobuf';
import { flatSpan } from '../../test/support/otlp/flat-spans';
import { DEFAULT_SPAN_LIMITS } from './limits';
import { DEFAULT_DECODE_BUDGETS } from '../otlp/decode-budget';

const limits: RequestLimits = { ...DEFAULT_SPAN_LIMITS, ...DEFAULT_DECODE_BUDGETS };
const span = (i: number, attributes: Record<string, string | number>) => flatSpan({ spanId: (i + 1).toString(16).padStart(16, '0'), attributes });

describe('decodeRequestRows with key lines (as an ingest worker asks)', () => {
  it('collects the key lines keyLinesOf makes from the rows, while making them, and shares key arrays within a saga', () => {
    const body = encodeProtobufRequest([
      span(0, { 'saga.id': 's1', 'order.id': 'ORD-1' }),
      span(1, { 'saga.id': 's2', 'order.id': 'ORD-2', 'user.id': 'U' }),
      span(2, { 'saga.id': 's1', 'order.id': 'ORD-1' }),
      span(3, { 'saga.id': 's1', 'order.id': 'ORD-1', 'payment.id': 'P-1' }),
      span(4, { 'order.id': 'orphan' }),
      span(5, { 'saga.id': 's3' }),
    ]);
    const { rows, keyLines } = decodeRequestRows(body, 'protobuf', limits, true);
    expect(keyLines!.text()).toBe(keyLinesOf(rows).text());
    expect(keyLines!.text()).toBe([
      's1\t{"order.id"}\tord-1', 's1\t{"payment.id"}\tp-1', 's2\t{"order.id"}\tord-2', 's2\t{"user.id"}\tu', '',
    ].join('\n'));
    expect(rows[2]!.keys).toBe(rows[0]!.keys); // the same keys: one array
    expect(rows[3]!.keys).toEqual(['order.id', 'ORD-1', 'payment.id', 'P-1']);
    expect(rows[4]!.keys).toEqual(['order.id', 'orphan']); // no saga: on the row only
    expect(rows[5]!.keys).toBeNull();
    expect(decodeRequestRows(body, 'protobuf', limits).keyLines).toBeUndefined();
  });
});
