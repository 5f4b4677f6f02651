import { describe, expect, it } from 'vitest';
import type { TimelineItem } from './timeline-items';
import { packTimeline, unpackTimeline } from './timeline-pack';

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
