/**
 * The coordinator's own view (DTM's store) as an input of the model (lib/saga/coordinator.ts):
 * its word decides failed vs compensating, its retry schedule holds off `stuck`, and where it
 * disagrees with the spans that is a `coordinator_divergence` — with spans exactly as DTM runs
 * leave them (dtm-fixtures.ts), in any arrival order.
 */
import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { modelConfig } from './config';
import { BASE_MS, lastEnd, prng, shuffledWithDuplicates } from '../../test/support/saga-fixtures';
import { DtmTransaction, type DtmAnswer } from '../../test/support/dtm-fixtures';
import type { AnomalyKind, CoordinatorBranchOp, CoordinatorInput, CoordinatorStatus, Saga, SagaSpan } from './types';
import { SETTLE_MS } from './coordinator';

const STUCK = 300_000;
const kinds = (s: Saga): AnomalyKind[] => s.anomalies.map((a) => a.kind);

function judged(spans: readonly SagaSpan[], nowMs: number, c: CoordinatorInput | null): Saga {
  const cfg = modelConfig({ nowMs });
  const expected = buildSaga('gid', spans, cfg, c);
  const rand = prng(nowMs % 100_003);
  for (let run = 0; run < 20; run++) expect(buildSaga('gid', shuffledWithDuplicates(spans, rand), cfg, c)).toStrictEqual(expected);
  return expected;
}

const op = (branchId: string, o: string, status: CoordinatorStatus, finishedMs: number | null = null, url = `http://busi/${branchId}/${o}`): CoordinatorBranchOp =>
  ({ branchId, op: o, status, url, finishedMs });

/** A saga whose branch 02 answered FAILURE; branch 01's compensation fails transiently `errors` times, then the `last` answer. */
function retrying(errors: number, last: DtmAnswer | null = null) {
  const t = new DtmTransaction({ transType: 'saga', gid: 'gid', seed: 9 });
  t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
  t.call('02', 'action', '/api/busi/TransIn', 'FAILURE');
  t.call('02', 'compensate', '/api/busi/TransInRevert', 'SUCCESS');
  const answers: DtmAnswer[] = [...Array.from({ length: errors }, () => 'ERROR' as const), ...(last ? [last] : [])];
  t.retried('01', 'compensate', '/api/busi/TransOutRevert', answers);
  return t.sagaSpans();
}

describe('DTM still retrying a compensation', () => {
  const spans = retrying(5);
  const end = lastEnd(spans);
  const view = (nextRetryMs: number, fetchedMs: number): CoordinatorInput => ({
    status: 'aborting',
    nextRetryMs,
    fetchedMs,
    branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('01', 'compensate', 'prepared'), op('02', 'action', 'failed', BASE_MS + 40), op('02', 'compensate', 'succeed', BASE_MS + 60)],
  });

  it('compensating with the next retry, not stuck while DTM will call again (the span-only verdict turns stuck)', () => {
    const nextRetry = end + 320_000; // DTM's 320 s interval: later than the stuck threshold
    const now = end + STUCK + 5_000;
    expect(buildSaga('gid', spans, modelConfig({ nowMs: now })).status).toBe('stuck');
    const saga = judged(spans, now, view(nextRetry, now));
    expect([saga.status, kinds(saga)]).toEqual(['compensating', []]);
    expect(saga.next).toMatchObject({ atMs: nextRetry + STUCK, status: 'stuck' });
    expect(saga.coordinatorDivergences).toEqual([]);
  });

  it('DTM overdue by more than the stuck threshold: stuck (DTM itself may be down)', () => {
    const now = end + 2 * STUCK;
    expect(judged(spans, now, view(end + 10_000, now)).status).toBe('stuck');
  });

  it("DTM's retry succeeds, DTM marks the rollback done (failed): compensated, no divergence", () => {
    const ok = retrying(5, 'SUCCESS');
    const now = lastEnd(ok) + 30_000;
    const saga = judged(ok, now, {
      status: 'failed', nextRetryMs: null, fetchedMs: now,
      branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('01', 'compensate', 'succeed', lastEnd(ok)), op('02', 'action', 'failed', BASE_MS + 40), op('02', 'compensate', 'succeed', BASE_MS + 60)],
    });
    expect([saga.status, kinds(saga), saga.coordinatorDivergences]).toEqual(['compensated', [], []]);
  });
});

describe("DTM's word that it gave up", () => {
  const spans = retrying(3);
  const now = lastEnd(spans) + 20_000;
  it('forceStop with a compensation pending: failed at once (no grace, no waiting for stuck), the pending op named', () => {
    const saga = judged(spans, now, {
      status: 'failed', nextRetryMs: null, fetchedMs: now,
      branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('01', 'compensate', 'prepared'), op('02', 'action', 'failed', BASE_MS + 40), op('02', 'compensate', 'succeed', BASE_MS + 60)],
    });
    expect(saga.status).toBe('failed');
    expect(kinds(saga)).toEqual(['missing_compensation', 'compensation_failed', 'coordinator_divergence']);
    expect(saga.coordinatorDivergences).toEqual([
      { branchId: '01', op: 'compensate', message: expect.stringMatching(/DTM marked the transaction failed while the compensate of branch 01 \("\/api\/busi\/TransOut"\) is still pending/) },
    ]);
    expect(saga.anomalies.find((a) => a.kind === 'coordinator_divergence')!.severity).toBe('error');
  });

  it('spans alone would keep it compensating', () => {
    expect(buildSaga('gid', spans, modelConfig({ nowMs: now })).status).toBe('compensating');
  });

  it('a rollback DTM finished whose last spans have not arrived stays compensating', () => {
    const saga = judged(spans, now, {
      status: 'failed', nextRetryMs: null, fetchedMs: now,
      branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('01', 'compensate', 'succeed', now - 2_000), op('02', 'action', 'failed', BASE_MS + 40), op('02', 'compensate', 'succeed', BASE_MS + 60)],
    });
    expect([saga.status, saga.coordinatorDivergences]).toEqual(['compensating', []]);
  });
});

describe('DTM marked a branch succeeded, no span of it arrived (dropped)', () => {
  const t = new DtmTransaction({ transType: 'saga', gid: 'gid', seed: 3 });
  t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
  // Branch 02's action ran and succeeded, but its span was dropped: DTM's store is the only record.
  t.call('03', 'action', '/api/busi/Notify', 'SUCCESS', { at: 40 });
  const spans = t.sagaSpans();
  const done = (fetchedMs: number): CoordinatorInput => ({
    status: 'succeed', nextRetryMs: null, fetchedMs,
    branches: [op('01', 'action', 'succeed', BASE_MS + 10), op('02', 'action', 'succeed', BASE_MS + 30), op('03', 'action', 'succeed', BASE_MS + 60),
      op('01', 'compensate', 'prepared'), op('02', 'compensate', 'prepared'), op('03', 'compensate', 'prepared')],
  });

  it('committed on DTM\'s word (no quiet period), with the divergence', () => {
    const now = lastEnd(spans) + SETTLE_MS + 1_000;
    const saga = judged(spans, now, done(now));
    expect([saga.status, kinds(saga)]).toEqual(['committed', ['coordinator_divergence']]);
    expect(saga.coordinatorDivergences).toEqual([{ branchId: '02', op: 'action', message: expect.stringMatching(/DTM marked the action of branch 02 succeeded at .*, but no span of that call arrived/) }]);
    expect(saga.anomalies[0]).toMatchObject({ step: 'branch 02', severity: 'warning', spanIds: [] });
  });

  it('not while the outcome is fresher than the settle time (the span may be on its way)', () => {
    const now = BASE_MS + 30 + SETTLE_MS - 1;
    expect(judged(spans, now, done(now)).coordinatorDivergences).toEqual([]);
  });
});

describe('a span succeeded where DTM has the op prepared or failed', () => {
  it('a compensation done around DTM (or a lost answer): DTM will call it again', () => {
    const spans = retrying(2, 'SUCCESS');
    const now = lastEnd(spans) + 60_000;
    const saga = judged(spans, now, {
      status: 'aborting', nextRetryMs: now + 40_000, fetchedMs: now,
      branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('01', 'compensate', 'prepared'), op('02', 'action', 'failed', BASE_MS + 40), op('02', 'compensate', 'succeed', BASE_MS + 60)],
    });
    expect(saga.status).toBe('compensated');
    expect(saga.coordinatorDivergences).toEqual([
      { branchId: '01', op: 'compensate', message: expect.stringMatching(/A span shows the compensate of branch 01 .* succeeded at .*, but DTM has it prepared, so it will call it again/) },
    ]);
    expect(saga.anomalies.find((a) => a.kind === 'coordinator_divergence')!.spanIds).toHaveLength(1);
  });
});

describe('DTM unfinished, forward work done by the spans', () => {
  it('running (DTM has not said succeed), not committed after the quiet period', () => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'gid' });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    const spans = t.sagaSpans();
    const now = lastEnd(spans) + 90_000;
    expect(buildSaga('gid', spans, modelConfig({ nowMs: now })).status).toBe('committed');
    const saga = judged(spans, now, { status: 'submitted', nextRetryMs: now + 5_000, fetchedMs: now, branches: [op('01', 'action', 'succeed', BASE_MS + 5), op('02', 'action', 'prepared')] });
    expect(saga.status).toBe('running');
  });
});
