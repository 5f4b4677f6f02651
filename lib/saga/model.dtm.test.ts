/**
 * Sagas run by DTM, with spans exactly as DTM leaves them (test/support/dtm-fixtures.ts:
 * stock HTTP / gRPC server spans, DTM's query parameters or metadata, DTM's
 * answers and retry timing), fed through the collector's attribute extraction
 * and the model — each one judged in any arrival order, with duplicates
 * (issue #16, the table of what sagascope got wrong).
 */
import { describe, expect, it } from 'vitest';
import { buildSaga } from './model';
import { modelConfig } from './config';
import { BASE_MS, lastEnd, prng, shuffledWithDuplicates } from '../../test/support/saga-fixtures';
import { DtmTransaction, type DtmAnswer } from '../../test/support/dtm-fixtures';
import { toSpanRows } from '../ingest/span-row';
import type { FlatSpan } from '../otlp/types';
import type { AnomalyKind, Saga, SagaSpan, SagaNameRule } from './types';

const RUNS = 60;
const GRACE = 60_000;
const STUCK = 300_000;

/**
 * The saga at `nowMs`, after checking that every arrival order (with re-sent
 * copies) gives the very same saga.
 */
function judged(spans: readonly SagaSpan[], nowMs: number, nameRules: SagaNameRule[] = [], id = 'gid'): Saga {
  const cfg = modelConfig({ nowMs, nameRules });
  const expected = buildSaga(id, spans, cfg);
  const rand = prng(nowMs % 100_003);
  for (let run = 0; run < RUNS; run++) {
    expect(buildSaga(id, shuffledWithDuplicates(spans, rand), cfg), `arrival order ${run}`).toStrictEqual(expected);
  }
  return expected;
}

/** `quietMs` after the last span ended. */
const after = (spans: readonly SagaSpan[], quietMs: number, nameRules: SagaNameRule[] = []) => judged(spans, lastEnd(spans) + quietMs, nameRules);
const kinds = (saga: Saga): AnomalyKind[] => saga.anomalies.map((a) => a.kind);

type Transport = 'http' | 'grpc';
const route = (transport: Transport, name: string) => (transport === 'grpc' ? `/busi.Busi/${name}` : `/api/busi/${name}`);

describe('DTM saga: a branch answering FAILURE (HTTP 409 / gRPC ABORTED, span status unset)', () => {
  const run = (transport: Transport, semconv: 'current' | 'legacy' = 'current') => {
    const t = new DtmTransaction({ transType: 'saga', transport, semconv, gid: 'saga-409' });
    t.call('01', 'action', route(transport, 'TransOut'), 'SUCCESS', { at: 0 });
    t.call('02', 'action', route(transport, 'TransIn'), 'FAILURE');
    // dtmsvr/trans_type_saga.go: the failed branch's compensate first, then the one before it.
    t.call('02', 'compensate', route(transport, 'TransInRevert'), 'SUCCESS');
    t.call('01', 'compensate', route(transport, 'TransOutRevert'), 'SUCCESS');
    return t.sagaSpans();
  };

  it.each<[Transport, 'current' | 'legacy']>([
    ['http', 'current'],
    ['http', 'legacy'],
    ['grpc', 'current'],
  ])('%s (%s conventions): the failure is seen, the saga compensated cleanly', (transport, semconv) => {
    const spans = run(transport, semconv);
    expect(spans.every((s) => s.statusCode === 0)).toBe(true);
    const saga = after(spans, 1000);
    expect(saga.failedStep).toBe(route(transport, 'TransIn'));
    expect(saga.status).toBe('compensated');
    expect(saga.anomalies).toEqual([]);
    const failed = saga.steps.find((s) => s.op === 'action' && s.key === '02')!;
    expect(failed.result).toBe('failure');
    expect(failed.error).toMatch(/FAILURE/);
    expect(saga.timeToConsistencyMs).toBeGreaterThan(0);
  });

  it('TCC: a try answering 409 is the failed step; DTM cancels in reverse order, no anomaly', () => {
    const t = new DtmTransaction({ transType: 'tcc', gid: 'tcc-409' });
    t.call('01', 'try', '/api/busi/TransOutTry', 'SUCCESS', { at: 0 });
    t.call('02', 'try', '/api/busi/TransInTry', 'FAILURE');
    // dtmsvr/trans_type_tcc.go: cancels from the last registered branch down.
    t.call('02', 'cancel', '/api/busi/TransInCancel', 'SUCCESS', { at: t.now + 5 });
    t.call('01', 'cancel', '/api/busi/TransOutCancel', 'SUCCESS');
    const saga = after(t.sagaSpans(), 1000);
    expect([saga.status, saga.failedStep, kinds(saga)]).toEqual(['compensated', '/api/busi/TransInTry', []]);
  });
});

describe('DTM concurrent saga: actions overlap, compensations run in parallel', () => {
  const run = (failing: DtmAnswer) => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'concurrent', seed: 3 });
    // dtmsvr/trans_type_saga.go (concurrent): every action is started at once, each in its goroutine.
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0, dur: 25 });
    t.call('02', 'action', '/api/busi/TransIn', 'SUCCESS', { at: 1, dur: 30 });
    t.call('03', 'action', '/api/busi/Notify', failing, { at: 1, dur: 12 });
    // …and every compensation at once: here branch 01's happens to start first.
    t.call('01', 'compensate', '/api/busi/TransOutRevert', 'SUCCESS', { at: 40, dur: 9 });
    t.call('03', 'compensate', '/api/busi/NotifyRevert', 'SUCCESS', { at: 41, dur: 8 });
    t.call('02', 'compensate', '/api/busi/TransInRevert', 'SUCCESS', { at: 42, dur: 11 });
    return t.sagaSpans();
  };

  it('no compensation_out_of_order', () => {
    const saga = after(run('FAILURE'), 1000);
    expect([saga.status, saga.failedStep, kinds(saga)]).toEqual(['compensated', '/api/busi/Notify', []]);
  });

  it('the same order in a sequential saga is still out of order', () => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'sequential-wrong' });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    t.call('02', 'action', '/api/busi/TransIn', 'SUCCESS');
    t.call('03', 'action', '/api/busi/Notify', 'FAILURE');
    t.call('01', 'compensate', '/api/busi/TransOutRevert', 'SUCCESS');
    t.call('02', 'compensate', '/api/busi/TransInRevert', 'SUCCESS');
    const saga = after(t.sagaSpans(), 1000);
    expect(saga.anomalies.map((a) => [a.kind, a.step])).toEqual([['compensation_out_of_order', '/api/busi/TransOut']]);
  });
});

describe('DTM retrying a compensation that fails transiently (10, 20, 40, 80 … s)', () => {
  const run = (answers: DtmAnswer[], schedule: 'doubling' | 'reset-after-backoff' = 'doubling') => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'retrying', seed: 5 });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    t.call('02', 'action', '/api/busi/TransIn', 'FAILURE');
    t.call('02', 'compensate', '/api/busi/TransInRevert', 'SUCCESS');
    const starts = t.retried('01', 'compensate', '/api/busi/TransOutRevert', answers, schedule);
    return { spans: t.sagaSpans(), starts };
  };
  const failing = (n: number): DtmAnswer[] => Array.from({ length: n }, () => 'ERROR');

  it('DTM paces the retries as it does (the fixture): growing intervals', () => {
    const { starts } = run(failing(6));
    const gaps = starts.slice(1).map((s, i) => Math.round((s - starts[i]!) / 1000));
    expect(gaps.map((g, i) => g >= 10 * 2 ** i && g <= 10 * 2 ** i + 3)).toEqual([true, true, true, true, true]);
  });

  it('while DTM retries: compensating, no retry_storm, no compensation_failed, never failed', () => {
    const { spans } = run(failing(6));
    for (const quiet of [1000, GRACE + 1000, 4 * GRACE]) {
      const saga = after(spans, quiet);
      expect([saga.status, kinds(saga)], `after ${quiet} ms`).toEqual(['compensating', []]);
      expect(saga.next).toMatchObject({ status: 'stuck', anomalies: ['compensation_failed', 'stuck'] });
    }
  });

  it('quiet past the stuck threshold: stuck, with the failing compensation named; still not failed', () => {
    const { spans } = run(failing(6));
    for (const quiet of [STUCK, 10 * STUCK]) {
      const saga = after(spans, quiet);
      expect([saga.status, kinds(saga)]).toEqual(['stuck', ['compensation_failed', 'stuck']]);
      const found = saga.anomalies.find((a) => a.kind === 'compensation_failed')!;
      expect(found.step).toBe('/api/busi/TransOut');
      expect(found.spanIds).toHaveLength(6);
    }
  });

  it("DTM's retry succeeds: compensated, no anomaly", () => {
    const saga = after(run([...failing(6), 'SUCCESS']).spans, 1000);
    expect([saga.status, kinds(saga)]).toEqual(['compensated', []]);
  });

  it('dtm ≥ 1.17 pacing (20, 10, 20, 10 s after errors) is no storm either', () => {
    const saga = after(run([...failing(8), 'SUCCESS'], 'reset-after-backoff').spans, 1000);
    expect([saga.status, kinds(saga)]).toEqual(['compensated', []]);
  });

  it('a real storm is still one: retries with no back-off (DTM retry_limit, immediate)', () => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'storm' });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    // dtmsvr/trans_type_saga.go: with RetryLimit set, a branch still prepared is run again at once.
    for (let i = 0; i < 8; i++) t.call('02', 'action', '/api/busi/TransIn', i < 7 ? 'ERROR' : 'SUCCESS', { dur: 5 });
    expect(kinds(after(t.sagaSpans(), GRACE))).toEqual(['retry_storm']);
  });
});

describe('DTM saga action answering ERROR or ONGOING: DTM calls it again, nothing failed', () => {
  it('a 5xx on an action is retried, not a rollback: running, then committed when the retry succeeds', () => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'action-5xx' });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    t.retried('02', 'action', '/api/busi/TransIn', ['ERROR', 'ERROR', 'ERROR']);
    const spans = t.sagaSpans();
    const retrying = after(spans, 1000);
    expect([retrying.status, retrying.failedStep, kinds(retrying)]).toEqual(['running', null, []]);
    expect(retrying.steps.filter((s) => s.key === '02').map((s) => s.result)).toEqual(['transient', 'transient', 'transient']);
    expect(after(spans, STUCK).status).toBe('stuck');

    t.call('02', 'action', '/api/busi/TransIn', 'SUCCESS', { at: t.now + 80_000 });
    const done = t.sagaSpans();
    expect(after(done, 1000).status).toBe('running');
    expect([after(done, GRACE).status, kinds(after(done, GRACE))]).toEqual(['committed', []]);
  });

  it('ONGOING polled at a kept interval (10 s, 10 s …) is no storm', () => {
    const t = new DtmTransaction({ transType: 'saga', gid: 'ongoing' });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
    t.retried('02', 'action', '/api/busi/TransIn', [...Array.from({ length: 9 }, (): DtmAnswer => 'ONGOING'), 'SUCCESS'], 'keep');
    const saga = after(t.sagaSpans(), GRACE);
    expect([saga.status, kinds(saga)]).toEqual(['committed', []]);
    expect(saga.steps.filter((s) => s.key === '02').map((s) => s.result)).toEqual([...Array.from({ length: 9 }, () => 'ongoing'), 'success']);
  });
});

describe('DTM two-phase message', () => {
  const run = (branch02: DtmAnswer[]) => {
    const t = new DtmTransaction({ transType: 'msg', gid: 'msg-1', seed: 9 });
    // The prepare was not followed by a submit: DTM asks the application (dtmsvr/trans_type_msg.go mayQueryPrepared).
    t.retried('00', 'msg', '/api/busi/QueryPrepared', ['ONGOING', 'SUCCESS'], 'keep', { at: 0 });
    t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS');
    t.retried('02', 'action', '/api/busi/TransIn', branch02);
    return t.sagaSpans();
  };

  it('the check-back call (branch 00, op msg) is a step', () => {
    const saga = after(run(['SUCCESS']), 1000);
    const checks = saga.steps.filter((s) => s.op === 'msg');
    expect(checks.map((s) => [s.step, s.key, s.result])).toEqual([
      ['/api/busi/QueryPrepared', '00', 'ongoing'],
      ['/api/busi/QueryPrepared', '00', 'success'],
    ]);
    expect(saga.name).toBe('/api/busi/TransOut');
    expect(after(run(['SUCCESS']), GRACE).status).toBe('committed');
  });

  it('a branch DTM keeps retrying: running, then stuck when quiet; never failed, no missing_compensation', () => {
    const spans = run(['ERROR', 'FAILURE', 'ERROR', 'ERROR']);
    for (const quiet of [1000, GRACE + 1000]) {
      const saga = after(spans, quiet);
      expect([saga.status, saga.failedStep, kinds(saga)]).toEqual(['running', null, []]);
    }
    const quiet = after(spans, STUCK);
    expect([quiet.status, kinds(quiet)]).toEqual(['stuck', ['stuck']]);
  });

  it('the check-back answering FAILURE abandons the message: nothing ran, nothing to undo', () => {
    const t = new DtmTransaction({ transType: 'msg', gid: 'msg-abandoned' });
    t.call('00', 'msg', '/api/busi/QueryPrepared', 'FAILURE', { at: 0 });
    const saga = after(t.sagaSpans(), 1000);
    expect([saga.status, saga.failedStep, kinds(saga)]).toEqual(['compensated', '/api/busi/QueryPrepared', []]);
  });
});

describe('DTM XA', () => {
  const prepared = (t: DtmTransaction) => {
    // The application calls each branch (op action: its local XA prepare).
    t.call('01', 'action', '/api/busi/TransOutXa', 'SUCCESS', { at: 0 });
    t.call('02', 'action', '/api/busi/TransInXa', 'SUCCESS');
    t.call('03', 'action', '/api/busi/NotifyXa', 'SUCCESS');
  };

  it('rollback of all branches in DTM\'s order (registration order): compensated, no anomaly', () => {
    const t = new DtmTransaction({ transType: 'xa', gid: 'xa-rollback' });
    prepared(t);
    // The application fails after its branches, aborts; dtmsvr/trans_type_xa.go rolls back branch by branch, first to last.
    t.call('01', 'rollback', '/api/busi/TransOutXa', 'SUCCESS', { at: t.now + 20 });
    t.call('02', 'rollback', '/api/busi/TransInXa', 'SUCCESS');
    t.call('03', 'rollback', '/api/busi/NotifyXa', 'SUCCESS');
    const saga = after(t.sagaSpans(), 1000);
    expect([saga.status, kinds(saga)]).toEqual(['compensated', []]);
  });

  it('a rollback DTM retries is in progress: compensating, then stuck; no missing_compensation', () => {
    const t = new DtmTransaction({ transType: 'xa', gid: 'xa-retry' });
    prepared(t);
    t.retried('01', 'rollback', '/api/busi/TransOutXa', ['ERROR', 'ERROR', 'ERROR'], 'doubling', { at: t.now + 20 });
    t.call('02', 'rollback', '/api/busi/TransInXa', 'SUCCESS', { at: t.now + 100_000 });
    t.call('03', 'rollback', '/api/busi/NotifyXa', 'SUCCESS');
    const spans = t.sagaSpans();
    expect([after(spans, GRACE + 1000).status, kinds(after(spans, GRACE + 1000))]).toEqual(['compensating', []]);
    expect(after(spans, STUCK).status).toBe('stuck');
    expect(kinds(after(spans, STUCK))).not.toContain('missing_compensation');
  });

  it('commit of every branch: committed once quiet', () => {
    const t = new DtmTransaction({ transType: 'xa', gid: 'xa-commit' });
    prepared(t);
    t.call('01', 'commit', '/api/busi/TransOutXa', 'SUCCESS', { at: t.now + 20 });
    t.call('02', 'commit', '/api/busi/TransInXa', 'SUCCESS');
    const halfway = t.sagaSpans();
    // Branch 03 prepared but not committed: not committed yet, however quiet.
    expect(after(halfway, GRACE).status).not.toBe('committed');
    t.call('03', 'commit', '/api/busi/NotifyXa', 'SUCCESS');
    expect([after(t.sagaSpans(), GRACE).status, kinds(after(t.sagaSpans(), GRACE))]).toEqual(['committed', []]);
  });
});

describe('a choreographed saga: saga.* attributes, no orchestrator', () => {
  /** Event handlers that record saga.* on their consumer spans; nobody orchestrates. */
  const run = (): SagaSpan[] => {
    let n = 0;
    const span = (service: string, step: string, index: number, op: string, at: number, fail = false): FlatSpan => {
      const id = (++n).toString(16).padStart(16, '0');
      return {
        traceId: `c0${id.padStart(30, '0')}`, spanId: id, parentSpanId: null, name: `${step} process`, kind: 5,
        startMs: BASE_MS + at, endMs: BASE_MS + at + 15, statusCode: fail ? 2 : 0, statusMessage: fail ? 'card declined' : null,
        attributes: { 'saga.id': 'order-77', 'saga.name': 'order', 'saga.step': step, 'saga.step.index': index, 'saga.op': op, 'messaging.system': 'kafka' },
        resource: { 'service.name': service }, scope: null, events: null,
      };
    };
    const rows = toSpanRows([
      span('orders', 'create-order', 1, 'action', 0),
      span('stock', 'reserve-stock', 2, 'action', 40),
      span('payments', 'charge', 3, 'action', 80, true),
      span('stock', 'reserve-stock', 2, 'compensate', 120),
      span('orders', 'create-order', 1, 'compensate', 160),
    ]);
    return rows.map((r) => ({ ...r, sagaId: r.sagaId }));
  };

  it('no orphan_step', () => {
    const saga = after(run(), 1000);
    expect([saga.status, saga.name, kinds(saga)]).toEqual(['compensated', 'order', []]);
  });
});

describe('names of zero-code sagas', () => {
  const transfer = (gid = 'transfer-1') => {
    const t = new DtmTransaction({ transType: 'saga', gid });
    t.call('01', 'action', '/api/busi/accounts/8812/TransOut', 'SUCCESS', { at: 0 });
    t.call('02', 'action', '/api/busi/TransIn', 'SUCCESS');
    return t;
  };

  it('are the route of the first forward branch, ids as :id, never "(unnamed)"', () => {
    expect(after(transfer().sagaSpans(), 1000).name).toBe('/api/busi/accounts/:id/TransOut');
  });

  it('do not depend on which branch reported first, once the first branch has', () => {
    const spans = transfer().sagaSpans();
    const first = spans.filter((s) => s.branchId === '01' || spans.find((p) => p.spanId === s.parentSpanId)?.branchId === '01');
    const rest = spans.filter((s) => !first.includes(s));
    expect(after(rest, 1000).name).toBe('/api/busi/TransIn');
    expect(after([...rest, ...first], 1000).name).toBe('/api/busi/accounts/:id/TransOut');
  });

  it('follow SAGASCOPE_SAGA_NAME_RULES: first matching rule by gid pattern or route prefix', () => {
    const rules: SagaNameRule[] = [
      { name: 'refund', gid: /^refund-/, routePrefix: null },
      { name: 'transfer', gid: null, routePrefix: '/api/busi/accounts/' },
    ];
    const spans = transfer().sagaSpans();
    expect(judged(spans, lastEnd(spans) + 1000, rules, 'refund-9').name).toBe('refund');
    expect(judged(spans, lastEnd(spans) + 1000, rules, 'transfer-1').name).toBe('transfer');
    expect(judged(spans, lastEnd(spans) + 1000, [{ name: 'x', gid: /^nope/, routePrefix: null }], 'transfer-1').name).toBe('/api/busi/accounts/:id/TransOut');
  });

  it('a saga.name on any span wins over rules and routes', () => {
    const named = transfer().sagaSpans().map((s, i) => (i === 0 ? { ...s, sagaName: 'payments' } : s));
    expect(after(named, 1000, [{ name: 'refund', gid: /./, routePrefix: null }]).name).toBe('payments');
  });
});
