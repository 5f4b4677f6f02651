import { describe, expect, it } from 'vitest';
import type { TimelineItem } from './timeline-items';
import { headOfTimeline, packTimeline, parsePackedTimeline, unpackTimeline } from './timeline-pack';

const T0 = Date.parse('2025-01-01T00:00:00Z');

function item(i: number, extra: Partial<TimelineItem> = {}): TimelineItem {
  return {
    id: i.toString(16).padStart(16, '0'),
    traceId: 'a'.repeat(32),
    label: `step-${i % 3}`,
    op: i % 2 ? 'compensate' : 'action',
    attempt: 1 + (i % 2),
    service: 'svc',
    startMs: T0 + i * 1.5,
    endMs: T0 + i * 1.5 + 0.25,
    depth: 0,
    stepIndex: i % 3,
    tone: i % 2 ? 'compensation' : 'forward',
    outcome: 'ok',
    error: null,
    manual: false,
    ...extra,
  };
}

describe('packTimeline / unpackTimeline', () => {
  it('round-trips rows', () => {
    const items = [
      item(0),
      item(1, { outcome: 'failed', error: 'boom <b>' }),
      item(2, { op: null, tone: 'span', depth: 3, stepIndex: -1 }),
      item(3, { outcome: 'running', endMs: T0 + 4.5 }),
      item(4, { manual: true }),
    ];
    expect(unpackTimeline(packTimeline(items))).toEqual(items);
  });

  it('handles an empty timeline', () => {
    expect(unpackTimeline(packTimeline([]))).toEqual([]);
  });

  it('is several times smaller than the rows as JSON', () => {
    const items = Array.from({ length: 5000 }, (_, i) => item(i, { traceId: `${i % 4}`.repeat(32), label: `step-${i}` }));
    const plain = JSON.stringify(items).length;
    const packed = JSON.stringify(packTimeline(items)).length;
    expect(packed * 4).toBeLessThan(plain);
  });
});

describe('headOfTimeline', () => {
  const items = [item(0), item(1, { outcome: 'failed', error: 'late <i>' }), item(2, { label: 'only-late', manual: true }), item(3)];

  it('keeps the first rows, only the strings they use, and their errors and manual marks', () => {
    const head = headOfTimeline(packTimeline(items), 2);
    expect(unpackTimeline(head)).toEqual(items.slice(0, 2));
    expect(head.strings).not.toContain('only-late');
  });

  it('returns the timeline itself when it is short enough', () => {
    const p = packTimeline(items);
    expect(headOfTimeline(p, 4)).toBe(p);
  });
});

describe('parsePackedTimeline', () => {
  const good = () => JSON.parse(JSON.stringify(packTimeline([item(0), item(1, { outcome: 'failed', error: 'x' }), item(2, { manual: true })])));

  it('accepts what packTimeline produced, after a JSON round trip', () => {
    expect(unpackTimeline(parsePackedTimeline(good()))).toEqual(unpackTimeline(good()));
  });

  it.each([
    ['a column of the wrong length', (p: Record<string, unknown[]>) => p.start.pop()],
    ['a string index out of range', (p: Record<string, unknown[]>) => (p.label[0] = 99)],
    ['an unknown op', (p: Record<string, unknown[]>) => (p.op[1] = 42)],
    ['a non-number', (p: Record<string, unknown[]>) => (p.duration[2] = '1')],
    ['a manual row out of range', (p: Record<string, unknown[]>) => p.manual.push(3)],
    ['markup where a number belongs', (p: Record<string, unknown[]>) => (p.tone[0] = '<img src=x onerror=alert(1)>')],
  ])('refuses %s', (_, damage) => {
    const p = good();
    damage(p);
    expect(() => parsePackedTimeline(p)).toThrow();
  });

  it('refuses what is not a packed timeline', () => {
    expect(() => parsePackedTimeline(null)).toThrow();
    expect(() => parsePackedTimeline({ id: 'x' })).toThrow();
  });
});
