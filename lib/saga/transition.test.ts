import { describe, expect, it } from 'vitest';
import { applyPendingTransition, pendingTransitionFromColumns, type TimedSummary } from './transition';
import { anomalyKinds } from './anomalies';
import { prng, sagaAtMs, scenario, lastEnd, sagaSpans } from '../../test/support/saga-fixtures';
import type { SagaSpan } from './types';

const running: TimedSummary & { id: string } = {
  id: 'g',
  status: 'running',
  anomalies: ['orphan_step'],
  next: { atMs: 1000, status: 'stuck', anomalies: ['orphan_step', 'stuck'] },
};

describe('applyPendingTransition', () => {
  it('returns the same summary before the transition is due', () => {
    expect(applyPendingTransition(running, 999)).toBe(running);
  });

  it('applies the transition at and after its instant, keeping other fields', () => {
    for (const now of [1000, 1001, 10_000_000]) {
      expect(applyPendingTransition(running, now)).toEqual({
        id: 'g',
        status: 'stuck',
        anomalies: ['orphan_step', 'stuck'],
        next: null,
      });
    }
  });

  it('does not mutate the stored summary', () => {
    const copy = structuredClone(running);
    const after = applyPendingTransition(running, 5000);
    expect(running).toEqual(copy);
    expect(after.anomalies).not.toBe(running.next!.anomalies);
  });

  it('leaves summaries without a transition alone', () => {
    const done: TimedSummary = { status: 'committed', anomalies: [], next: null };
    expect(applyPendingTransition(done, Number.MAX_SAFE_INTEGER)).toBe(done);
  });

  it('is idempotent', () => {
    const once = applyPendingTransition(running, 2000);
    expect(applyPendingTransition(once, 3000)).toEqual(once);
  });
});

describe('pendingTransitionFromColumns', () => {
  it('is null when no transition is stored', () => {
    expect(pendingTransitionFromColumns(null, null, [])).toBeNull();
    expect(pendingTransitionFromColumns('stuck', null, ['stuck'])).toBeNull();
    expect(pendingTransitionFromColumns(null, new Date(5), ['stuck'])).toBeNull();
  });

  it('accepts a Date or epoch ms', () => {
    expect(pendingTransitionFromColumns('failed', new Date(1234), ['missing_compensation'])).toEqual({
      atMs: 1234,
      status: 'failed',
      anomalies: ['missing_compensation'],
    });
    expect(pendingTransitionFromColumns('stuck', 99, null)).toEqual({ atMs: 99, status: 'stuck', anomalies: [] });
  });
});

/**
 * The contract between write and read paths: a summary stored at ingest time and
 * read later through applyPendingTransition says what rebuilding the saga at read
 * time would say.
 */
describe('stored summary + applyPendingTransition = rebuilt saga', () => {
  const fixtures: Array<[string, SagaSpan[]]> = [
    ['running saga', scenario({ steps: ['a', 'b'], coordinator: 'open', failAt: null }).filter((s) => s.step !== 'b')],
    ['zero-code forward done', scenario({ zeroCode: true })],
    ['compensating, open coordinator', scenario({ failAt: 'ship', compensate: ['charge'], coordinator: 'open' })],
    ['zero-code compensating', scenario({ zeroCode: true, failAt: 'ship', compensate: [] })],
    ['tcc compensating', scenario({ protocol: 'tcc', failAt: 'charge', compensate: [], coordinator: 'open' })],
    ['orphan running', scenario({ coordinator: 'none' })],
    ['committed', scenario()],
    ['failed', scenario({ failAt: 'ship', compensate: [] })],
    ['only plain spans', sagaSpans().plain({ at: 0 }).build()],
  ];
  const thresholdSets = [{}, { stuckAfterMs: 30_000 }, { failedGraceMs: 0 }, { stuckAfterMs: 60_000 }];

  it.each(fixtures)('%s', (_name, spans) => {
    const rand = prng(7);
    const end = lastEnd(spans);
    for (const thresholds of thresholdSets) {
      for (let i = 0; i < 50; i++) {
        const writtenAt = end + Math.floor(rand() * 400_000);
        const readAt = writtenAt + Math.floor(rand() * 400_000);
        const stored = sagaAtMs(spans, writtenAt, thresholds);
        const summary = { status: stored.status, anomalies: anomalyKinds(stored.anomalies), next: stored.next };
        const rebuilt = sagaAtMs(spans, readAt, thresholds);
        expect(applyPendingTransition(summary, readAt)).toEqual({
          status: rebuilt.status,
          anomalies: anomalyKinds(rebuilt.anomalies),
          next: rebuilt.next,
        });
      }
    }
  });
});
