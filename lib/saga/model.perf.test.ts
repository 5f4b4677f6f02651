/**
 * Guards against accidental O(n²) work. Budgets are several times the measured
 * times (see the report in the PR), so that a slow CI machine does not flake but
 * a quadratic step (seconds to minutes at this size) fails.
 */
import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { largeSaga, lastEnd, sagaSpans, scenario } from './fixtures';
import { modelConfig } from './config';
import type { SagaSpan } from './types';

function timed(spans: readonly SagaSpan[]): { ms: number; saga: ReturnType<typeof buildSaga> } {
  const cfg = modelConfig({ nowMs: lastEnd(spans) + 1000 });
  buildSaga('warm-up', spans.slice(0, 100), cfg);
  const t0 = performance.now();
  const saga = buildSaga('big', spans, cfg);
  return { ms: performance.now() - t0, saga };
}

describe('performance', () => {
  it('builds a 50,000-span saga (25,000 steps, compensated) well under a second', () => {
    const spans = largeSaga(25_000);
    expect(spans.length).toBe(50_000);
    const { ms, saga } = timed(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.steps).toHaveLength(49_999);
    expect(ms).toBeLessThan(1500);
  });

  it('builds 50,000 spans recorded on both sides, all starting at the same instant', () => {
    const spans = largeSaga(12_500, { bothSides: true, sameStart: true });
    expect(spans.length).toBe(49_999);
    const { ms, saga } = timed(spans);
    expect(saga.stepCount).toBe(12_500);
    expect(saga.steps).toHaveLength(24_999);
    expect(ms).toBeLessThan(1500);
  });

  it('builds one step retried 50,000 times', () => {
    const b = sagaSpans({ steps: ['a'] });
    for (let i = 0; i < 50_000; i++) b.action('a', { at: i, dur: 1, fail: true });
    const { ms, saga } = timed(b.build());
    expect(saga.anomalies.map((a) => a.kind)).toContain('retry_storm');
    expect(ms).toBeLessThan(1500);
  });

  it('builds a 50,000-span chain of nested spans (deep parent links)', () => {
    const b = sagaSpans({ steps: ['a'] });
    for (let i = 0; i < 50_000; i++) {
      const parent = i === 0 ? null : b.lastSpanId;
      if (i % 2 === 0) b.action('a', { at: i, dur: 1, parent });
      else b.plain({ at: i, dur: 1, parent });
    }
    const { ms, saga } = timed(b.build());
    expect(saga.steps).toHaveLength(1);
    expect(ms).toBeLessThan(1500);
  });

  it('builds an ingest batch: 500 sagas of 10 spans', () => {
    const sagas = Array.from({ length: 500 }, (_, i) =>
      scenario({ sagaId: `g${i}`, bothSides: i % 2 === 0, failAt: i % 3 === 0 ? 'ship' : null }),
    );
    const cfg = modelConfig({ nowMs: Date.now() });
    const t0 = performance.now();
    for (const spans of sagas) buildSaga(spans[0].sagaId!, spans, cfg);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(500);
  });
});
