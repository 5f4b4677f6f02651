import { describe, expect, it } from 'vitest';
import type { SpanJson } from '../api/types';
import { allRows } from './timeline-columns';
import { traceColumns, traceRows } from './trace-columns';

/** The trace's rows as the timeline reads them, out of the columns. */
const spansToTimelineItems = (spans: SpanJson[]) => allRows(traceColumns(traceRows(spans)));

const T = (ms: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + ms).toISOString();

function span(spanId: string, parentSpanId: string | null, startMs: number, extra: Partial<SpanJson> = {}): SpanJson {
  return {
    traceId: 'f'.repeat(32),
    spanId,
    parentSpanId,
    sagaId: null,
    service: 'svc',
    name: `op-${spanId}`,
    kind: 1,
    startedAt: T(startMs),
    endedAt: T(startMs + 10),
    durationMs: 10,
    statusCode: 0,
    statusMessage: null,
    attributes: {},
    resource: {},
    events: null,
    ...extra,
  };
}

describe('trace rows (traceRows → traceColumns → rows)', () => {
  it('orders a trace depth-first with siblings by start time', () => {
    const items = spansToTimelineItems([
      span('c2', 'root', 50),
      span('root', null, 0),
      span('c1', 'root', 10),
      span('g1', 'c1', 20),
    ]);
    expect(items.map((i) => [i.id, i.depth])).toEqual([
      ['root', 0],
      ['c1', 1],
      ['g1', 2],
      ['c2', 1],
    ]);
  });

  it('shows spans with a missing parent as roots and survives parent cycles and duplicates', () => {
    const items = spansToTimelineItems([
      span('x', 'not-received', 5),
      span('a', 'b', 1),
      span('b', 'a', 2),
      span('x', 'not-received', 5),
    ]);
    expect(items.map((i) => i.id).sort()).toEqual(['a', 'b', 'x']);
    expect(items[0]).toMatchObject({ id: 'x', depth: 0 });
  });

  it('marks error status and saga compensation ops', () => {
    const [item] = spansToTimelineItems([
      span('e', null, 0, { statusCode: 2, statusMessage: 'timeout', attributes: { 'saga.op': 'compensate', 'saga.attempt': 3 } }),
    ]);
    expect(item).toMatchObject({ outcome: 'failed', error: 'timeout', tone: 'compensation', op: 'compensate', attempt: 3 });
  });

  it('marks spans an operator triggered by hand', () => {
    const items = spansToTimelineItems([
      span('m', null, 0, { attributes: { 'saga.op': 'compensate', 'saga.trigger': 'manual' } }),
      span('p', 'm', 1, { attributes: { 'saga.op': 'compensate' } }),
    ]);
    expect(items.map((i) => [i.id, i.manual])).toEqual([
      ['m', true],
      ['p', false],
    ]);
  });

  it('handles a deep chain without recursion', () => {
    const spans = Array.from({ length: 20_000 }, (_, i) => span(`s${i}`, i === 0 ? null : `s${i - 1}`, i));
    const items = spansToTimelineItems(spans);
    expect(items).toHaveLength(20_000);
    expect(items[19_999].depth).toBe(19_999);
  });
});
