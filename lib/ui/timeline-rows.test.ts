import { describe, expect, it } from 'vitest';
import { allRows, ColumnsBuilder, earliestStart, headOfColumns, type TimelineItem } from './timeline-columns';
import { baseColumnsScale } from './time-axis';
import { ROW_CACHE, rowsFromColumns } from './timeline-rows';
import { timeScale } from './timeline-scale';

const T0 = Date.parse('2025-01-01T00:00:00Z');

function item(i: number, extra: Partial<TimelineItem> = {}): TimelineItem {
  const compensation = i >= 3;
  return {
    id: (i + 1).toString(16).padStart(16, '0'),
    traceId: 'a'.repeat(32),
    label: `step-${i % 3}`,
    op: compensation ? 'compensate' : 'action',
    attempt: 1,
    service: 'svc',
    startMs: T0 + i * 10,
    endMs: T0 + i * 10 + 4,
    depth: 0,
    stepIndex: i % 3,
    tone: compensation ? 'compensation' : 'forward',
    outcome: 'ok',
    error: null,
    manual: false,
    ...extra,
  };
}

/** Rows written into columns, as the saga view and the trace page do. */
function columnsOf(rows: readonly TimelineItem[]) {
  const b = new ColumnsBuilder(earliestStart(rows));
  for (const r of rows) b.add(r);
  return b.columns;
}

const items = [item(0), item(1, { manual: true }), item(2, { outcome: 'failed', error: 'no stock <b>' }), item(3), item(4, { op: null, stepIndex: -1, tone: 'span' })];

describe('timeline columns', () => {
  it('give back the rows written into them', () => {
    expect(allRows(columnsOf(items))).toEqual(items);
    expect(allRows(columnsOf([]))).toEqual([]);
  });

  it('keep times to the microsecond after t0, and an end before the start as no length', () => {
    const c = columnsOf([item(0, { startMs: T0 + 1.0004, endMs: T0 + 3.5 }), item(1, { startMs: T0 + 2, endMs: T0 + 1 })]);
    expect(c.t0).toBe(T0 + 1.0004);
    expect(c.startUs).toEqual([0, 1000]);
    expect(c.durationUs).toEqual([2500, 0]);
  });

  it('intern strings and keep errors and manual marks sparse', () => {
    const c = columnsOf(items);
    expect(c.strings.filter((x) => x === 'svc')).toHaveLength(1);
    expect(c.errors).toEqual([[2, c.strings.indexOf('no stock <b>')]]);
    expect(c.manual).toEqual([1]);
  });

  it('head: the first rows, only the strings they use, and their errors and manual marks', () => {
    const c = columnsOf(items);
    const head = headOfColumns(c, 2);
    expect(allRows(head)).toEqual(items.slice(0, 2));
    expect(head.strings).not.toContain('no stock <b>');
    expect(head.errors).toEqual([]);
    expect(head.manual).toEqual([1]);
    expect(headOfColumns(c, 10)).toBe(c);
  });
});

describe('rowsFromColumns', () => {
  it('gives the rows written, the same object each time', () => {
    const rows = rowsFromColumns(columnsOf(items));
    expect(rows.length).toBe(items.length);
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i))).toEqual(items);
    expect(rows.at(2)).toBe(rows.at(2));
    expect(rows.idAt(3)).toBe(items[3].id);
  });

  it('keeps a bounded number of built rows: recent ones stay the same object, old ones are rebuilt equal', () => {
    const many = Array.from({ length: ROW_CACHE + 500 }, (_, i) => item(i));
    const rows = rowsFromColumns(columnsOf(many));
    const first = rows.at(0);
    expect(rows.at(0)).toBe(first);
    for (let i = 1; i < rows.length; i++) rows.at(i);
    expect(rows.at(rows.length - 1)).toBe(rows.at(rows.length - 1));
    const again = rows.at(0);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('finds rows by span id (the first one when an id repeats)', () => {
    const rows = rowsFromColumns(columnsOf([...items, item(0)]));
    expect(rows.indexOf(items[3].id)).toBe(3);
    expect(rows.indexOf(items[0].id)).toBe(0);
    expect(rows.indexOf('ffffffffffffffff')).toBe(-1);
  });

  it('answers the same before and after it switches from scanning to its id map', () => {
    const many = [...Array.from({ length: 300 }, (_, i) => item(i)), item(7), item(250)];
    const rows = rowsFromColumns(columnsOf(many));
    const asked = [...many.map((it) => it.id), 'ffffffffffffffff'];
    const expected = asked.map((id) => many.findIndex((it) => it.id === id));
    // Every id twice: the first lookups scan, the later ones use the map.
    expect([...asked, ...asked].map((id) => rows.indexOf(id))).toEqual([...expected, ...expected]);
  });

  it('has the scale of the rows unless given the whole timeline’s', () => {
    const c = columnsOf(items);
    expect(rowsFromColumns(c).scale).toEqual(timeScale(items));
    expect(baseColumnsScale(c)).toEqual(timeScale(items));
    const whole = { t0: T0, t1: T0 + 1_000, spanMs: 1_000 };
    expect(rowsFromColumns(c, whole).scale).toBe(whole);
    expect(baseColumnsScale(columnsOf([]))).toEqual(timeScale([]));
  });
});
