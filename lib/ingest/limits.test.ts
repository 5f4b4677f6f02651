import { describe, expect, it } from 'vitest';
import { cut, limitAttributes, limitSpan, TRUNCATION_FLAGS, type SpanLimits } from './limits';
import { toSpanRows } from './span-row';
import type { FlatSpan } from '../otlp/types';

const L: SpanLimits = { maxAttributes: 4, maxValueLength: 10, maxEvents: 2 };
const span = (over: Partial<FlatSpan> = {}): FlatSpan => ({
  traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: null, name: 'op', kind: 2, startMs: 1, endMs: 2,
  statusCode: 0, statusMessage: null, attributes: { 'saga.id': 'g1' }, resource: { 'service.name': 'svc' }, scope: null, events: null, ...over,
});

describe('span limits', () => {
  it('a span within the limits is passed through as the same object', () => {
    const s = span({ attributes: { a: '1234567890', b: [1, 2], c: { d: 'x' } } });
    expect(limitSpan(s, L)).toBe(s);
  });

  it('extra attributes are dropped (first ones kept) and the span is flagged', () => {
    const s = span({ attributes: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } });
    const out = limitSpan(s, L);
    expect(out.attributes).toEqual({ a: 1, b: 2, c: 3, d: 4, [TRUNCATION_FLAGS.truncated]: true, [TRUNCATION_FLAGS.droppedAttributes]: 2 });
    expect(s.attributes).toEqual({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }); // input untouched
  });

  it('long values are cut (also inside arrays and maps, span name, status message) and counted', () => {
    const long = 'x'.repeat(50);
    const out = limitSpan(span({ name: long, statusMessage: long, attributes: { a: long, b: [long, 'ok'], c: { d: long } } }), L);
    expect(out.name).toBe('x'.repeat(10));
    expect(out.statusMessage).toBe('x'.repeat(10));
    expect(out.attributes).toMatchObject({ a: 'x'.repeat(10), b: ['x'.repeat(10), 'ok'], c: { d: 'x'.repeat(10) } });
    expect(out.attributes[TRUNCATION_FLAGS.truncatedValues]).toBe(5);
  });

  it('never splits a surrogate pair', () => {
    expect(cut('abcdefghi😀z', 10)).toBe('abcdefghi');
    expect(cut('😀😀', 3)).toBe('😀');
  });

  it('extra events are dropped and counted; event attributes are limited too', () => {
    const ev = (i: number) => ({ name: `e${i}`, timeMs: i, attributes: { k: 'y'.repeat(20) } });
    const out = limitSpan(span({ events: [ev(1), ev(2), ev(3)] }), L);
    expect(out.events).toHaveLength(2);
    expect(out.events![0]!.attributes).toEqual({ k: 'y'.repeat(10) });
    expect(out.attributes[TRUNCATION_FLAGS.droppedEvents]).toBe(1);
  });

  it('huge inputs finish and stay bounded', () => {
    const attributes = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'.repeat(100)]));
    const out = limitAttributes(attributes, L);
    expect(Object.keys(out.attributes)).toHaveLength(4);
    expect(out.dropped).toBe(99_996);
  });

  it('toSpanRows applies the limits to spans and resources and tallies truncated spans', () => {
    const tally = { truncated: 0 };
    const rows = toSpanRows([span(), span({ spanId: 'c'.repeat(16), attributes: { 'saga.id': 'g1', big: 'z'.repeat(99) }, resource: { 'service.name': 'svc', r: 'q'.repeat(99) } })], L, tally);
    expect(tally.truncated).toBe(1);
    expect(JSON.parse(rows[1]!.attributesJson)).toMatchObject({ big: 'z'.repeat(10), [TRUNCATION_FLAGS.truncated]: true });
    expect(JSON.parse(rows[1]!.resourceJson).r).toBe('q'.repeat(10));
    expect(rows[1]!.sagaId).toBe('g1');
  });
});
