import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { anomalyKinds } from './anomalies';
import { BASE_MS, configAt, lastEnd, sagaAfter, sagaSpans, scenario } from '../../test/support/saga-fixtures';
import type { Op } from './types';

const GRACE = 60_000;
const STUCK = 300_000;

describe.each(['saga', 'tcc'] as const)('status, protocol %s', (protocol) => {
  const first: Op = protocol === 'tcc' ? 'try' : 'action';
  const undo: Op = protocol === 'tcc' ? 'cancel' : 'compensate';

  it('committed: every forward op succeeded and the coordinator finished', () => {
    const saga = sagaAfter(scenario({ protocol }));
    expect(saga.status).toBe('committed');
    expect(saga.next).toBeNull();
    expect(saga.anomalies).toEqual([]);
    expect(saga.protocol).toBe(protocol);
  });

  it('running: a step is still under way', () => {
    const saga = sagaAfter(scenario({ protocol, runningAt: 'charge' }));
    expect(saga.status).toBe('running');
    expect(saga.next).toEqual({ atMs: saga.lastActivityMs + STUCK, status: 'stuck', anomalies: ['stuck'] });
  });

  it('running: every step seen so far succeeded but the coordinator has not finished', () => {
    // An orchestrator that emits spans says "done" by ending its root span; until
    // then quiet means it stalled, so the saga heads for stuck, not committed.
    const open = sagaAfter(scenario({ protocol, coordinator: 'open' }));
    expect(open.status).toBe('running');
    expect(open.next).toMatchObject({ atMs: open.lastActivityMs + STUCK, status: 'stuck' });
    // No coordinator spans at all (zero-code DTM): quiet for the grace period means committed.
    const none = sagaAfter(scenario({ protocol, coordinator: 'none' }));
    expect(none.status).toBe('running');
    expect(none.next).toMatchObject({ atMs: none.lastActivityMs + GRACE, status: 'committed' });
  });

  it('running: a step has not ended yet, even with a finished coordinator', () => {
    const spans = sagaSpans({ protocol, steps: ['a', 'b'] })
      .op(first, 'a', { at: 0 })
      .op(first, 'b', { at: 20, running: true })
      .root({ at: 0, dur: 40 })
      .build();
    expect(sagaAfter(spans).status).toBe('running');
  });

  it('running: nothing but plain spans', () => {
    const saga = sagaAfter(sagaSpans({ protocol }).plain({ at: 0 }).build());
    expect(saga.status).toBe('running');
    expect(saga.steps).toEqual([]);
  });

  it('compensated: the failure was undone in full', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'ship' }));
    expect(saga.status).toBe('compensated');
    expect(saga.next).toBeNull();
    expect(saga.anomalies).toEqual([]);
    expect(saga.steps.filter((s) => s.compensation).map((s) => [s.step, s.op])).toEqual([
      ['charge', undo],
      ['reserve', undo],
    ]);
  });

  it('compensated: the first step failed, so nothing needed undoing', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'reserve' }));
    expect(saga.status).toBe('compensated');
    expect(saga.failedStep).toBe('reserve');
  });

  it('compensated: undoing the failed step too is allowed (DTM does) but not required', () => {
    const withIt = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['ship', 'charge', 'reserve'] }));
    expect(withIt.status).toBe('compensated');
    expect(withIt.anomalies).toEqual([]);
  });

  it('compensating: an incomplete compensation while the coordinator is still open', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['charge'], coordinator: 'open' }));
    expect(saga.status).toBe('compensating');
    expect(anomalyKinds(saga.anomalies)).toEqual([]);
    expect(saga.next).toEqual({ atMs: saga.lastActivityMs + GRACE, status: 'failed', anomalies: ['missing_compensation'] });
  });

  it('compensating: a forward failure with no compensation yet', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'charge', compensate: [], coordinator: 'open' }));
    expect(saga.status).toBe('compensating');
    expect(saga.failedStep).toBe('charge');
  });

  it('failed: the coordinator finished without compensating every step', () => {
    const saga = sagaAfter(scenario({ protocol, failAt: 'ship', compensate: ['charge'] }));
    expect(saga.status).toBe('failed');
    expect(saga.next).toBeNull();
    expect(saga.anomalies.map((a) => [a.kind, a.step])).toEqual([['missing_compensation', 'reserve']]);
  });

  it('failed: once the grace period has passed without the compensation completing', () => {
    const spans = scenario({ protocol, failAt: 'ship', compensate: ['charge'], coordinator: 'open' });
    expect(sagaAfter(spans, GRACE - 1).status).toBe('compensating');
    const late = sagaAfter(spans, GRACE);
    expect(late.status).toBe('failed');
    expect(late.next).toBeNull();
    expect(anomalyKinds(late.anomalies)).toEqual(['missing_compensation']);
  });

  it('failed: a compensation failed even though every step is otherwise undone', () => {
    const saga = sagaAfter(
      scenario({ protocol, failAt: 'ship', compensate: ['ship', 'charge', 'reserve'], failCompensation: ['ship'] }),
    );
    expect(saga.status).toBe('failed');
    expect(anomalyKinds(saga.anomalies)).toEqual(['compensation_failed']);
  });

  it('compensated: a failed compensation attempt fixed by a retry', () => {
    const spans = sagaSpans({ protocol, steps: ['a', 'b'] })
      .op(first, 'a', { at: 0 })
      .op(first, 'b', { at: 20, fail: true })
      .op(undo, 'a', { at: 40, fail: 'db down' })
      .op(undo, 'a', { at: 60 })
      .root({ at: 0, dur: 100 })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('compensated');
    expect(saga.steps.filter((s) => s.op === undo).map((s) => [s.attempt, s.result])).toEqual([
      [1, 'failure'],
      [2, 'success'],
    ]);
  });

  it('committed: a failed forward attempt fixed by a retry is no failure', () => {
    let b = sagaSpans({ protocol, steps: ['a'] })
      .op(first, 'a', { at: 0, fail: true, attempt: 1 })
      .op(first, 'a', { at: 50, attempt: 2 });
    // TCC commits only with try + confirm (DESIGN §3).
    if (protocol === 'tcc') b = b.op('confirm', 'a', { at: 70 });
    const saga = sagaAfter(b.root({ at: 0, dur: 100 }).build());
    expect(saga.status).toBe('committed');
    expect(saga.failedStep).toBeNull();
  });

  it('stuck: running with no new span for the stuck threshold', () => {
    const spans = scenario({ protocol, runningAt: 'charge' });
    expect(sagaAfter(spans, STUCK - 1).status).toBe('running');
    const saga = sagaAfter(spans, STUCK);
    expect(saga.status).toBe('stuck');
    expect(saga.next).toBeNull();
    expect(saga.endMs).toBeNull();
    expect(anomalyKinds(saga.anomalies)).toEqual(['stuck']);
  });

  it('stuck instead of failed when the stuck threshold is the shorter one', () => {
    const spans = scenario({ protocol, failAt: 'ship', compensate: [], coordinator: 'open' });
    const saga = sagaAfter(spans, 1000, { stuckAfterMs: 30_000 });
    expect(saga.status).toBe('compensating');
    expect(saga.next).toEqual({ atMs: saga.lastActivityMs + 30_000, status: 'stuck', anomalies: ['stuck'] });
    expect(sagaAfter(spans, 30_000, { stuckAfterMs: 30_000 }).status).toBe('stuck');
    expect(sagaAfter(spans, 10 * GRACE, { stuckAfterMs: 30_000 }).status).toBe('stuck');
  });

  it('failed, not stuck, when both thresholds are equal', () => {
    const spans = scenario({ protocol, failAt: 'ship', compensate: [], coordinator: 'open' });
    expect(sagaAfter(spans, 1000, { stuckAfterMs: GRACE }).next?.status).toBe('failed');
  });
});

describe('TCC specifics', () => {
  it('a confirm that keeps failing puts the saga in the compensation phase: every tried step needs a cancel', () => {
    const spans = sagaSpans({ protocol: 'tcc', steps: ['a', 'b'] })
      .try('a', { at: 0 })
      .try('b', { at: 20 })
      .confirm('a', { at: 40 })
      .confirm('b', { at: 60, fail: 'confirm failed' })
      .root({ at: 0, dur: 100 })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('failed');
    expect(saga.failedStep).toBe('b');
    expect(saga.anomalies.map((a) => a.step)).toEqual(['a', 'b']);
  });

  it('a barrier no-op as the last attempt does not undo an earlier success (late first attempt, ignored retry)', () => {
    const spans = sagaSpans({ protocol: 'saga', steps: ['a', 'b'] })
      .action('a', { at: 0, attempt: 1 })
      .action('a', { at: 30, attempt: 2, result: 'skipped' })
      .action('b', { at: 50 })
      .root({ at: 0, dur: 80 })
      .build();
    const saga = sagaAfter(spans);
    expect(saga.status).toBe('committed');
    expect(saga.anomalies.map((a) => a.kind)).not.toContain('duplicate_execution');
  });

  it('a re-sent compensation the barrier ignored keeps the step compensated', () => {
    const spans = sagaSpans({ protocol: 'saga', steps: ['a', 'b'] })
      .action('a', { at: 0 })
      .action('b', { at: 20, fail: true })
      .compensate('a', { at: 40, attempt: 1 })
      .compensate('a', { at: 60, attempt: 2, result: 'skipped' })
      .root({ at: 0, dur: 90 })
      .build();
    expect(sagaAfter(spans).status).toBe('compensated');
  });

  it('tcc: a successful try without its confirm is not committed, even with the coordinator finished', () => {
    const spans = sagaSpans({ protocol: 'tcc', steps: ['a', 'b'] })
      .op('try', 'a', { at: 0 })
      .op('try', 'b', { at: 10 })
      .op('confirm', 'a', { at: 20 })
      .root({ at: 0, dur: 40 })
      .build();
    expect(sagaAfter(spans).status).not.toBe('committed');
  });

  it('a failed try needs no cancel, a successful one does', () => {
    const spans = sagaSpans({ protocol: 'tcc', steps: ['a', 'b'] })
      .try('a', { at: 0 })
      .try('b', { at: 20, fail: true })
      .cancel('a', { at: 40 })
      .root({ at: 0, dur: 100 })
      .build();
    expect(sagaAfter(spans).status).toBe('compensated');
  });
});

describe('zero-code DTM sagas (no coordinator spans)', () => {
  it('commit after the grace period of quiet', () => {
    const spans = scenario({ zeroCode: true });
    const fresh = sagaAfter(spans);
    expect(fresh.status).toBe('running');
    expect(fresh.next).toEqual({ atMs: lastEnd(spans) + GRACE, status: 'committed', anomalies: [] });
    expect(sagaAfter(spans, GRACE - 1).status).toBe('running');
    const later = sagaAfter(spans, GRACE);
    expect(later.status).toBe('committed');
    expect(later.endMs).toBe(lastEnd(spans));
  });

  it('become stuck, not committed, when the stuck threshold is shorter than the grace period', () => {
    const spans = scenario({ zeroCode: true });
    expect(sagaAfter(spans, 1000, { stuckAfterMs: 10_000 }).next?.status).toBe('stuck');
    expect(sagaAfter(spans, GRACE, { stuckAfterMs: 10_000 }).status).toBe('stuck');
  });

  it.each(['saga', 'tcc'] as const)('%s: compensated without any coordinator span', (protocol) => {
    const saga = sagaAfter(scenario({ zeroCode: true, protocol, failAt: 'ship' }));
    expect(saga.status).toBe('compensated');
    expect(saga.anomalies).toEqual([]);
    expect(saga.zeroCode).toBe(true);
  });

  it.each(['saga', 'tcc'] as const)('%s: compensating while DTM may still retry, then stuck, never failed from spans alone', (protocol) => {
    const spans = scenario({ zeroCode: true, protocol, failAt: 'ship', compensate: ['charge'] });
    expect(sagaAfter(spans).status).toBe('compensating');
    expect(sagaAfter(spans).next).toEqual({ atMs: lastEnd(spans) + STUCK, status: 'stuck', anomalies: ['stuck'] });
    // The grace period means nothing to a coordinator that retries (DESIGN §3).
    expect(sagaAfter(spans, GRACE).status).toBe('compensating');
    const late = sagaAfter(spans, STUCK);
    expect(late.status).toBe('stuck');
    expect(late.anomalies.map((a) => a.kind)).toEqual(['stuck']);
    expect(sagaAfter(spans, 10 * STUCK).status).toBe('stuck');
  });

  it('tcc: committed after confirms and quiet', () => {
    expect(sagaAfter(scenario({ zeroCode: true, protocol: 'tcc' }), GRACE).status).toBe('committed');
  });
});

describe('coordinator root', () => {
  it('a coordinator step span does not count as the root: the saga is not over', () => {
    const spans = sagaSpans({ steps: ['a'] }).call('action', 'a', { at: 0 }).build();
    expect(sagaAfter(spans).status).toBe('running');
  });

  it("internal spans of the coordinator (role set on the resource) do not end the saga, the root's end does", () => {
    const b = sagaSpans({ steps: ['a'] }).root({ at: 0, dur: 100, spanId: 'root000000000000' });
    b.plain({ at: 5, role: 'coordinator', parent: 'root000000000000', service: 'orchestrator' });
    b.action('a', { at: 20 });
    const all = b.build();
    expect(sagaAfter(all).status).toBe('committed');
    const withoutRootEnd = all.map((s) => (s.spanId === 'root000000000000' ? { ...s, endMs: 0 } : s));
    expect(sagaAfter(withoutRootEnd).status).toBe('running');
  });

  it('evaluates at the configured instant, not at the wall clock', () => {
    const spans = scenario({ runningAt: 'ship' });
    expect(buildSaga('g', spans, configAt(0)).status).toBe('running');
    expect(buildSaga('g', spans, configAt(lastEnd(spans) - BASE_MS + STUCK)).status).toBe('stuck');
  });
});

describe('XA (first phase: prepare)', () => {
  const xa = () => sagaSpans({ protocol: 'xa', steps: ['a', 'b'] }).root({ at: 0, dur: 200 });

  it('committed once prepares and commits succeeded', () => {
    const spans = xa().prepare('a', { at: 0 }).prepare('b', { at: 20 }).commit('a', { at: 40 }).commit('b', { at: 60 }).build();
    expect(sagaAfter(spans).status).toBe('committed');
  });

  it('a failed prepare needs a rollback of every prepared branch', () => {
    const failed = xa().prepare('a', { at: 0 }).prepare('b', { at: 20, fail: true }).build();
    expect(sagaAfter(failed).status).toBe('failed');
    const rolledBack = xa().prepare('a', { at: 0 }).prepare('b', { at: 20, fail: true }).rollback('a', { at: 40 }).build();
    expect(sagaAfter(rolledBack).status).toBe('compensated');
  });
});
