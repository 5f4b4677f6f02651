/**
 * The model at scale: results stay right for 50,000-span sagas. Timings live in
 * `npm run bench:model`; here the generous per-test timeout only catches an
 * accidental O(n²) step (minutes at this size), never a slow machine.
 */
import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { largeSaga, lastEnd, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import { modelConfig } from './config';
import type { SagaSpan } from './types';

const SCALE_TIMEOUT = 60_000;

function built(spans: readonly SagaSpan[]): { saga: ReturnType<typeof buildSaga> } {
  return { saga: buildSaga('big', spans, modelConfig({ nowMs: lastEnd(spans) + 1000 })) };
}

describe('at scale', { timeout: SCALE_TIMEOUT }, () => {
  it('builds a 50,000-span saga (25,000 steps, compensated) well under a second', () => {
    const spans = largeSaga(25_000);
    expect(spans.length).toBe(50_000);
    const { saga } = built(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.steps).toHaveLength(49_999);
  });

  it('builds 50,000 spans recorded on both sides, all starting at the same instant', () => {
    const spans = largeSaga(12_500, { bothSides: true, sameStart: true });
    expect(spans.length).toBe(49_999);
    const { saga } = built(spans);
    expect(saga.stepCount).toBe(12_500);
    expect(saga.steps).toHaveLength(24_999);
  });

  it('builds one step retried 50,000 times', () => {
    const b = sagaSpans({ steps: ['a'] });
    for (let i = 0; i < 50_000; i++) b.action('a', { at: i, dur: 1, fail: true });
    const { saga } = built(b.build());
    expect(saga.anomalies.map((a) => a.kind)).toContain('retry_storm');
  });

  it('builds a 50,000-span chain of nested spans (deep parent links)', () => {
    const b = sagaSpans({ steps: ['a'] });
    for (let i = 0; i < 50_000; i++) {
      const parent = i === 0 ? null : b.lastSpanId;
      if (i % 2 === 0) b.action('a', { at: i, dur: 1, parent });
      else b.plain({ at: i, dur: 1, parent });
    }
    const { saga } = built(b.build());
    expect(saga.steps).toHaveLength(1);
  });

  it('builds an ingest batch: 500 sagas of 10 spans', () => {
    const sagas = Array.from({ length: 500 }, (_, i) =>
      scenario({ sagaId: `g${i}`, bothSides: i % 2 === 0, failAt: i % 3 === 0 ? 'ship' : null }),
    );
    const cfg = modelConfig({ nowMs: Date.now() });
    const statuses = new Set(sagas.map((spans) => buildSaga(spans[0]!.sagaId!, spans, cfg).status));
    expect(statuses.size).toBeGreaterThan(0);
    expect([...statuses].every((s) => ['committed', 'compensated', 'compensating', 'failed', 'running'].includes(s))).toBe(true);
  });
});
