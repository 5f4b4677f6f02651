import { describe, it, expect } from 'vitest';
import { spanCopyLine, COLUMN_LIST } from './span-writer';
import { toSpanRows } from './span-row';
import type { FlatSpan } from '../otlp/types';

/** COPY text format, read back: fields split on tab, \N is null, backslash escapes undone. */
function parseCopyLine(line: string): (string | null)[] {
  expect(line.endsWith('\n')).toBe(true);
  return line
    .slice(0, -1)
    .split('\t')
    .map((f) => (f === '\\N' ? null : f.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c)));
}

const hostile = 'tab\there\nnew line\r\\back\\slash "quote" \\N';
const span: FlatSpan = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: null,
  name: hostile,
  kind: 2,
  startMs: Date.UTC(2026, 10, 22, 1, 2, 3, 456) + 0.789,
  endMs: Date.UTC(2026, 10, 22, 1, 2, 4),
  statusCode: 2,
  statusMessage: hostile,
  attributes: { 'saga.id': hostile, 'saga.op': 'compensate', 'saga.step': hostile, note: hostile, nested: { a: [hostile, 1] } },
  resource: { 'service.name': hostile },
  scope: hostile,
  events: [{ name: hostile, timeMs: 1, attributes: { k: hostile } }],
};

describe('spanCopyLine', () => {
  it('writes one line per span that reads back field for field, whatever the text holds', () => {
    const [row] = toSpanRows([span]);
    const fields = parseCopyLine(spanCopyLine(row!));
    const columns = COLUMN_LIST.split(', ');
    expect(fields).toHaveLength(columns.length);
    const at = (c: string) => fields[columns.indexOf(c)];
    for (const c of ['saga_id', 'service', 'name', 'status_message', 'step', 'scope']) expect(at(c)).toBe(hostile);
    expect(JSON.parse(at('attributes')!)).toEqual(span.attributes);
    expect(JSON.parse(at('events')!)).toEqual(span.events);
    expect(at('parent_span_id')).toBeNull();
    expect(at('op')).toBe('compensate');
    expect(at('role')).toBeNull();
    expect(at('start_time')).toBe('2026-11-22T01:02:03.456789Z');
  });
});
