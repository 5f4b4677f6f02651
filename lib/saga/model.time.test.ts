import { describe, expect, it } from 'vitest';
import { anomalyKinds } from './anomalies';
import { BASE_MS, lastEnd, sagaAfter, sagaAtMs, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import type { SagaSpan } from './types';

const FIXTURES: Array<[string, SagaSpan[]]> = [
  ['running step', scenario({ runningAt: 'charge' })],
  ['forward done, open coordinator', scenario({ coordinator: 'open' })],
  ['zero-code forward done', scenario({ zeroCode: true })],
  ['zero-code tcc compensating', scenario({ zeroCode: true, protocol: 'tcc', failAt: 'ship', compensate: [] })],
  ['compensating', scenario({ failAt: 'ship', compensate: ['charge'], coordinator: 'open' })],
  ['orphan compensating', scenario({ failAt: 'ship', compensate: [], coordinator: 'none' })],
  ['plain spans only', sagaSpans().plain({ at: 0 }).plain({ at: 50 }).build()],
];
const THRESHOLDS = [{}, { stuckAfterMs: 10_000 }, { failedGraceMs: 0 }, { stuckAfterMs: 60_000 }, { stuckAfterMs: 0 }];

describe('pending transition', () => {
  it.each(FIXTURES)('%s: evaluating at next.atMs gives next.status and next.anomalies', (_name, spans) => {
    for (const t of THRESHOLDS) {
      const now = sagaAfter(spans, 0, t);
      if (now.next === null) {
        // Only possible when the deadline is already reached at the last end (zero thresholds).
        expect(Object.values(t)).toContain(0);
        continue;
      }
      const at = sagaAtMs(spans, now.next.atMs, t);
      expect(at.status).toBe(now.next.status);
      expect(anomalyKinds(at.anomalies)).toEqual(now.next.anomalies);
      expect(at.next).toBeNull();
      const before = sagaAtMs(spans, now.next.atMs - 1, t);
      expect(before.status).toBe(now.status);
      expect(before.next).toEqual(now.next);
      const muchLater = sagaAtMs(spans, now.next.atMs + 86_400_000, t);
      expect(muchLater.status).toBe(now.next.status);
    }
  });

  it('is null for terminal sagas', () => {
    for (const spans of [scenario(), scenario({ failAt: 'ship' }), scenario({ failAt: 'ship', compensate: [] })]) {
      const saga = sagaAfter(spans);
      expect(['committed', 'compensated', 'failed']).toContain(saga.status);
      expect(saga.next).toBeNull();
    }
  });

  it('is null once stuck: stuck is not terminal but has no timed transition', () => {
    const saga = sagaAfter(scenario({ runningAt: 'charge' }), 10 * 300_000);
    expect(saga.status).toBe('stuck');
    expect(saga.next).toBeNull();
  });

  it('counts quiet time from when spans were received, if later than they ended', () => {
    const spans = sagaSpans({ steps: ['a'] }).action('a', { at: 0, running: true, received: 5_000 }).build();
    const saga = sagaAfter(spans, 0);
    expect(saga.lastActivityMs).toBe(BASE_MS + 5_000);
    expect(saga.next).toMatchObject({ atMs: BASE_MS + 5_000 + 300_000, status: 'stuck' });
  });

  it('a new span revives a stuck saga', () => {
    const spans = scenario({ runningAt: 'charge' });
    const readAt = lastEnd(spans) + 400_000;
    expect(sagaAtMs(spans, readAt).status).toBe('stuck');
    const late = sagaSpans().plain({ at: readAt - BASE_MS - 100, spanId: 'dddddddddddddddd' }).build();
    expect(sagaAtMs([...spans, ...late], readAt).status).toBe('running');
  });
});

describe('derived timings', () => {
  it('endMs is the last span end when terminal, null otherwise; duration always runs to the last end', () => {
    const done = sagaAfter(scenario());
    expect(done.endMs).toBe(done.lastEndMs);
    expect(done.durationMs).toBe(done.lastEndMs - done.startMs);
    expect(done.startMs).toBe(BASE_MS);
    const open = sagaAfter(scenario({ runningAt: 'ship' }));
    expect(open.endMs).toBeNull();
    expect(open.durationMs).toBe(open.lastEndMs - open.startMs);
  });

  it('time to consistency runs from the first forward failure to the last successful compensation', () => {
    const spans = sagaSpans({ steps: ['a', 'b', 'c'] })
      .root({ at: 0, dur: 1000 })
      .action('a', { at: 10, dur: 10 })
      .action('b', { at: 30, dur: 10 })
      .action('c', { at: 50, dur: 25, fail: true }) // failure ends at 75
      .compensate('b', { at: 100, dur: 20 })
      .compensate('a', { at: 130, dur: 40 }) // last success ends at 170
      .build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.timeToConsistencyMs).toBe(95);
  });

  it('ignores failed compensation attempts and earlier failed forward attempts', () => {
    const spans = sagaSpans({ steps: ['a', 'b'] })
      .root({ at: 0, dur: 1000 })
      .action('a', { at: 0, dur: 5, fail: true })
      .action('a', { at: 10, dur: 10 })
      .action('b', { at: 30, dur: 10, fail: true }) // first final failure ends at 40
      .compensate('a', { at: 50, dur: 10 }) // ends 60
      .compensate('a', { at: 70, dur: 10, fail: true }) // attempt 2 failed…
      .compensate('a', { at: 90, dur: 10 }) // …attempt 3 fixed it, ends 100
      .build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.failedStep).toBe('b');
    expect(saga.timeToConsistencyMs).toBe(60);
  });

  it('is 0 when nothing needed undoing', () => {
    expect(sagaAfter(scenario({ failAt: 'reserve' })).timeToConsistencyMs).toBe(0);
  });

  it('is null unless compensated', () => {
    expect(sagaAfter(scenario()).timeToConsistencyMs).toBeNull();
    expect(sagaAfter(scenario({ failAt: 'ship', compensate: [], coordinator: 'open' })).timeToConsistencyMs).toBeNull();
    expect(sagaAfter(scenario({ failAt: 'ship', compensate: [] })).timeToConsistencyMs).toBeNull();
  });

  it('is null for a compensation without any forward failure (e.g. a manual compensate)', () => {
    const spans = sagaSpans({ steps: ['a'] }).root({ at: 0, dur: 100 }).action('a', { at: 0 }).compensate('a', { at: 20 }).build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.failedStep).toBeNull();
    expect(saga.timeToConsistencyMs).toBeNull();
  });

  it('is never negative (a parallel branch undone before the slow failure reported)', () => {
    const spans = sagaSpans({ steps: ['a', 'b'] })
      .root({ at: 0, dur: 1000 })
      .action('a', { at: 0, dur: 10 })
      .action('b', { at: 0, dur: 500, fail: true })
      .compensate('a', { at: 20, dur: 10 })
      .build();
    expect(sagaAfter(spans).timeToConsistencyMs).toBe(0);
  });

  it('failedStep is the step whose failure ended first', () => {
    const spans = sagaSpans({ steps: ['a', 'b'] })
      .action('a', { at: 0, dur: 100, fail: true })
      .action('b', { at: 10, dur: 10, fail: true })
      .build();
    expect(sagaAfter(spans).failedStep).toBe('b');
  });
});
