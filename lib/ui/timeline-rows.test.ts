import { describe, expect, it } from 'vitest';
import { buildChainFromSteps } from '../saga/compensation-chain';
import { timelineItemsToChainSteps, type TimelineItem } from './timeline-items';
import { packTimeline, unpackTimeline } from './timeline-pack';
import { packedChainSteps, packedScale, ROW_CACHE, rowsFromItems, rowsFromPacked } from './timeline-rows';
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

const items = [item(0), item(1, { manual: true }), item(2, { outcome: 'failed', error: 'no stock <b>' }), item(3), item(4, { op: null, stepIndex: -1, tone: 'span' })];

describe('rowsFromPacked', () => {
  it('gives the same rows as unpacking, the same object each time', () => {
    const rows = rowsFromPacked(packTimeline(items));
    expect(rows.length).toBe(items.length);
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i))).toEqual(unpackTimeline(packTimeline(items)));
    expect(rows.at(2)).toBe(rows.at(2));
  });

  it('keeps a bounded number of built rows: recent ones stay the same object, old ones are rebuilt equal', () => {
    const many = Array.from({ length: ROW_CACHE + 500 }, (_, i) => item(i));
    const rows = rowsFromPacked(packTimeline(many));
    const first = rows.at(0);
    expect(rows.at(0)).toBe(first);
    for (let i = 1; i < rows.length; i++) rows.at(i);
    expect(rows.at(rows.length - 1)).toBe(rows.at(rows.length - 1));
    const again = rows.at(0);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('finds rows by span id (the first one when an id repeats)', () => {
    const rows = rowsFromPacked(packTimeline([...items, item(0)]));
    expect(rows.indexOf(items[3].id)).toBe(3);
    expect(rows.indexOf(items[0].id)).toBe(0);
    expect(rows.indexOf('ffffffffffffffff')).toBe(-1);
  });

  it('answers the same before and after it switches from scanning to its id map', () => {
    const many = [...Array.from({ length: 300 }, (_, i) => item(i)), item(7), item(250)];
    const rows = rowsFromPacked(packTimeline(many));
    const asked = [...many.map((it) => it.id), 'ffffffffffffffff'];
    const expected = asked.map((id) => many.findIndex((it) => it.id === id));
    // Every id twice: the first lookups scan, the later ones use the map.
    expect([...asked, ...asked].map((id) => rows.indexOf(id))).toEqual([...expected, ...expected]);
  });

  it('has the scale of the rows unless given the whole timeline’s', () => {
    const p = packTimeline(items);
    expect(rowsFromPacked(p).scale).toEqual(timeScale(items));
    expect(packedScale(p)).toEqual(timeScale(items));
    const whole = { t0: T0, t1: T0 + 1_000, spanMs: 1_000 };
    expect(rowsFromPacked(p, whole).scale).toBe(whole);
    expect(packedScale(packTimeline([]))).toEqual(timeScale([]));
  });

  it('matches rowsFromItems', () => {
    const a = rowsFromItems(items);
    const b = rowsFromPacked(packTimeline(items));
    expect(a.scale).toEqual(b.scale);
    expect(a.indexOf(items[4].id)).toBe(b.indexOf(items[4].id));
    expect(a.at(1)).toEqual(b.at(1));
  });
});

describe('packedChainSteps', () => {
  it('is the chain input of the unpacked rows', () => {
    const p = packTimeline(items);
    expect(packedChainSteps(p)).toEqual(timelineItemsToChainSteps(unpackTimeline(p)));
    expect(buildChainFromSteps(packedChainSteps(p), 'compensated')).toEqual(buildChainFromSteps(timelineItemsToChainSteps(items), 'compensated'));
  });
});
