import { describe, it, expect } from 'vitest';
import { inheritSagaIds } from './inherit-saga-ids';
import { shardKeyOf, type SpanRow } from './span-row';

const T = 'a'.repeat(32);
const r = (span: string, parent: string | null, sagaId: string | null, traceId = T) =>
  ({ traceId, spanId: span.padStart(16, '0'), parentSpanId: parent === null ? null : parent.padStart(16, '0'), sagaId }) as SpanRow;

describe('inheritSagaIds', () => {
  it('gives descendants the nearest ancestor saga, whatever the order', () => {
    const rows = [r('3', '2', null), r('2', '1', null), r('1', null, 'S'), r('4', '3', 'INNER'), r('5', '4', null)];
    const out = inheritSagaIds(rows);
    expect(out.map((x) => x.sagaId)).toEqual(['S', 'S', 'S', 'INNER', 'INNER']);
    expect(rows[0]!.sagaId).toBeNull();
  });
  it('does not cross traces and leaves unresolvable spans alone', () => {
    const out = inheritSagaIds([r('1', null, 'S'), r('2', '1', null, 'b'.repeat(32)), r('3', '9', null)]);
    expect(out.map((x) => x.sagaId)).toEqual(['S', null, null]);
  });
  it('survives parent cycles', () => {
    const out = inheritSagaIds([r('1', '2', null), r('2', '1', null)]);
    expect(out.map((x) => x.sagaId)).toEqual([null, null]);
  });
  it('keeps the distribution key of an inherited span its trace\'s, so it is the same whether the span comes with its parent or alone', () => {
    const withParent = inheritSagaIds([r('1', null, 'S'), r('2', '1', null)]);
    const alone = inheritSagaIds([r('2', '1', null)]);
    expect(withParent.map(shardKeyOf)).toEqual(['S', `trace:${T}`]);
    expect(withParent[1]!.sagaId).toBe('S');
    expect(alone.map(shardKeyOf)).toEqual([`trace:${T}`]);
    // A span's own saga id is its key, even below another saga's span.
    expect(inheritSagaIds([r('1', null, 'S'), r('2', '1', 'INNER')]).map(shardKeyOf)).toEqual(['S', 'INNER']);
  });
});
