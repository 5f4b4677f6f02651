/**
 * Manual remediation (DESIGN.md §3): an operator's repair, minutes after the
 * saga's own run, completes the compensation without being judged as part of
 * that run.
 */
import { describe, expect, it } from 'vitest';
import { anomalyKinds } from './anomalies';
import { BASE_MS, lastEnd, sagaAfter, sagaAtMs, sagaSpans, type SagaSpanBuilder } from '../../test/support/saga-fixtures';
import { canonicalize } from './spans';
import { repairSpanFlags, SAGASCOPE_SERVICE } from './repair';
import type { SagaSpan } from './types';

const MIN = 60_000;
const REPAIR_TRACE = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/**
 * a, b, c succeed, d fails (its failure ends at 80); the coordinator undoes c,
 * fails to undo b (HTTP 503), undoes a, and gives up (root ends at 200): failed.
 */
function brokenSaga(): SagaSpanBuilder {
  return sagaSpans({ steps: ['a', 'b', 'c', 'd'] })
    .root({ at: 0, dur: 200 })
    .action('a', { at: 10 })
    .action('b', { at: 30 })
    .action('c', { at: 50 })
    .action('d', { at: 70, fail: 'card declined' })
    .compensate('c', { at: 100 })
    .compensate('b', { at: 120, fail: 'HTTP 503' })
    .compensate('a', { at: 140 });
}

/**
 * What sagascope's "Compensate" sends `at` ms after the saga began, as it
 * arrives: its own client span (a trace of its own, service sagascope,
 * saga.trigger=manual) and, below it, the participant's server span of that
 * call, which carries the x-saga-* fields but not the trigger, and the
 * participant's database span below that.
 */
function manualCall(b: SagaSpanBuilder, step: string, op: 'compensate' | 'action', at: number, attempt: number, fail = false): SagaSpanBuilder {
  const id = `m${String(at).padStart(15, '0')}`;
  b.op(op, step, { at, dur: 30, role: 'coordinator', service: SAGASCOPE_SERVICE, attempt, trigger: 'manual', traceId: REPAIR_TRACE, spanId: id, fail: fail ? 'HTTP 500' : false });
  b.op(op, step, { at: at + 5, dur: 20, attempt, traceId: REPAIR_TRACE, parent: id, spanId: `p${String(at).padStart(15, '0')}`, fail });
  return b.plain({ at: at + 8, dur: 5, service: `${step}-svc`, traceId: REPAIR_TRACE, parent: `p${String(at).padStart(15, '0')}` });
}

describe('a failed saga repaired by a manual compensation minutes later', () => {
  const before = sagaAfter(brokenSaga().build());
  const spans = manualCall(brokenSaga(), 'b', 'compensate', 3 * MIN, 2).build();
  const after = sagaAfter(spans);

  it('was failed with a failed compensation; is compensated with no anomaly, though the repair ran after the other compensations', () => {
    expect(before.status).toBe('failed');
    expect(anomalyKinds(before.anomalies)).toEqual(['missing_compensation', 'compensation_failed']);
    expect(after.status).toBe('compensated');
    expect(after.anomalies).toEqual([]);
  });

  it('lists the participants of the repair as services, but not sagascope itself', () => {
    expect(after.services).toContain('b-svc');
    expect(after.services).not.toContain(SAGASCOPE_SERVICE);
  });

  it('keeps the saga’s own start, end, duration and time to consistency', () => {
    expect(after.startMs).toBe(before.startMs);
    expect(after.lastEndMs).toBe(BASE_MS + 200);
    expect(after.endMs).toBe(BASE_MS + 200);
    expect(after.durationMs).toBe(200);
    expect(after.durationMs).toBe(before.durationMs);
    // The saga never became consistent on its own: no time to consistency, before or after.
    expect(before.timeToConsistencyMs).toBeNull();
    expect(after.timeToConsistencyMs).toBe(before.timeToConsistencyMs);
    // The repair still counts as activity: a new span rebuilds the saga.
    expect(after.lastActivityMs).toBe(BASE_MS + 3 * MIN + 30);
  });

  it('reports the repair: from the first failure (80) to the end of the participant’s record of the manual step', () => {
    expect(after.steps.filter((s) => s.manual).map((s) => [s.step, s.op, s.attempt, s.service, s.result])).toEqual([
      ['b', 'compensate', 2, 'b-svc', 'success'],
    ]);
    const repairEnd = 3 * MIN + 5 + 20;
    expect(after.repairedAtMs).toBe(BASE_MS + repairEnd);
    expect(after.timeToRepairMs).toBe(repairEnd - 80);
    expect(before.repairedAtMs).toBeNull();
    expect(before.timeToRepairMs).toBeNull();
  });
});

describe('what a repair does and does not raise', () => {
  it('a repair that is not needed (the saga compensated itself) is not a repair of the saga', () => {
    const own = sagaSpans({ steps: ['a', 'b'] })
      .root({ at: 0, dur: 100 })
      .action('a', { at: 0 })
      .action('b', { at: 20, fail: true })
      .compensate('a', { at: 40 });
    const alone = sagaAfter(own.build());
    const redone = manualCall(own, 'a', 'compensate', 5 * MIN, 2);
    const saga = sagaAfter(redone.build());
    expect(saga.status).toBe('compensated');
    expect(saga.timeToConsistencyMs).toBe(alone.timeToConsistencyMs);
    expect(saga.timeToConsistencyMs).toBe(20);
    expect(saga.durationMs).toBe(alone.durationMs);
    expect(saga.timeToRepairMs).toBeNull();
    expect(saga.repairedAtMs).toBeNull();
  });

  it('manual attempts do not make a retry storm of the saga’s own backed-off retries', () => {
    const b = sagaSpans({ steps: ['a', 'b'] }).root({ at: 0, dur: 1_000 }).action('a', { at: 0 }).action('b', { at: 20, fail: true });
    [40, 60, 100, 180, 340].forEach((at, i) => b.compensate('a', { at, attempt: i + 1, fail: 'HTTP 503' }));
    const saga = sagaAfter(manualCall(b, 'a', 'compensate', 4 * MIN, 6).build());
    expect(saga.status).toBe('compensated');
    expect(anomalyKinds(saga.anomalies)).toEqual([]);
  });

  it("hanging_action: an operator's forward retry after compensation is not one (the planner's rules decide whether it may run); the saga's own action after an operator's compensation is", () => {
    const done = sagaSpans({ steps: ['a', 'b'] }).root({ at: 0, dur: 100 }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).compensate('a', { at: 40 });
    expect(anomalyKinds(sagaAfter(manualCall(done, 'a', 'action', 2 * MIN, 2).build()).anomalies)).not.toContain('hanging_action');

    const open = sagaSpans({ steps: ['a', 'b'] }).root({ at: 0, running: true }).action('a', { at: 0 }).action('b', { at: 20, fail: true });
    manualCall(open, 'a', 'compensate', 2 * MIN, 1);
    open.action('a', { at: 3 * MIN, attempt: 2 });
    const hanging = sagaAfter(open.build()).anomalies.filter((a) => a.kind === 'hanging_action');
    expect(hanging.map((a) => [a.step, a.severity])).toEqual([['a', 'error']]);
  });

  it('an op that succeeded twice on the participant is still a duplicate execution, whoever asked for the second; the saga keeps its own times', () => {
    // The coordinator's call timed out but the participant had compensated; the operator compensated again.
    const b = sagaSpans({ steps: ['a', 'b'] })
      .root({ at: 0, dur: 100 })
      .action('a', { at: 0 })
      .action('b', { at: 20, fail: true })
      .compensate('a', { at: 40, dur: 30, role: 'coordinator', service: 'orchestrator', attempt: 1, fail: 'timeout', spanId: 'c000000000000001' })
      .compensate('a', { at: 42, dur: 10, attempt: 1, parent: 'c000000000000001' });
    const alone = sagaAfter(b.build());
    const saga = sagaAfter(manualCall(b, 'a', 'compensate', 2 * MIN, 2).build());
    expect(anomalyKinds(saga.anomalies)).toEqual(['duplicate_execution']);
    expect(saga.durationMs).toBe(alone.durationMs);
    expect(saga.timeToConsistencyMs).toBe(alone.timeToConsistencyMs);
  });

  it('a failed manual compensation leaves the saga failed, still owing the compensation', () => {
    const saga = sagaAfter(manualCall(brokenSaga(), 'b', 'compensate', 3 * MIN, 2, true).build());
    expect(saga.status).toBe('failed');
    expect(anomalyKinds(saga.anomalies)).toEqual(['missing_compensation', 'compensation_failed']);
    expect(saga.timeToRepairMs).toBeNull();
    expect(saga.durationMs).toBe(200);
  });
});

describe('a saga without coordinator spans, repaired by a manual retry', () => {
  // Zero-code DTM: the coordinator emits no spans; branch 02's action failed.
  const own = () => sagaSpans({ role: null, zeroCode: true }).dtm('action', '01', '/api/TransOut', { at: 0 }).dtm('action', '02', '/api/TransIn', { at: 20, fail: true });
  const retried = () => {
    const b = own();
    b.op('action', '/api/TransIn', { at: 3 * MIN, dur: 30, role: 'coordinator', service: SAGASCOPE_SERVICE, branchId: '02', attempt: 2, trigger: 'manual', index: null, spanId: 'm000000000000001', traceId: REPAIR_TRACE });
    return b.dtm('action', '02', '/api/TransIn', { at: 3 * MIN + 5, dur: 20, parent: 'm000000000000001', traceId: REPAIR_TRACE }).build();
  };

  it("sagascope's role=coordinator spans are not the saga's coordinator: the saga commits after the grace period, where it would still be compensating", () => {
    const alone = own().build();
    // DTM retries: without its word, spans alone never make a zero-code saga failed (DESIGN §3).
    expect(sagaAtMs(alone, lastEnd(alone) + 2 * MIN).status).toBe('compensating');
    const spans = retried();
    const saga = sagaAtMs(spans, lastEnd(spans) + 2 * MIN);
    expect(saga.status).toBe('committed');
    expect(saga.anomalies).toEqual([]);
    expect(saga.timeToRepairMs).toBe(3 * MIN + 25 - 30);
    expect(saga.durationMs).toBe(30);
  });
});

describe('repairSpanFlags', () => {
  const span = (spanId: string, parent: string | null, extra: Partial<SagaSpan> = {}): SagaSpan =>
    ({ ...sagaSpans().plain({ at: 0 }).build()[0]!, spanId, parentSpanId: parent, ...extra });

  it('is null when no span starts a repair', () => {
    const { spans, parentIndex } = canonicalize([span('0000000000000001', null), span('0000000000000002', '0000000000000001')]);
    expect(repairSpanFlags(spans, parentIndex)).toBeNull();
  });

  it('marks spans below a manual or sagascope span, through any depth, and survives parent cycles', () => {
    const input = [
      span('0000000000000001', null, { trigger: 'manual' }),
      span('0000000000000002', '0000000000000001'),
      span('0000000000000003', '0000000000000002'),
      span('0000000000000004', null, { service: SAGASCOPE_SERVICE }),
      span('0000000000000005', '0000000000000004'),
      span('0000000000000006', '0000000000000007'),
      span('0000000000000007', '0000000000000006'),
      span('0000000000000008', null),
    ];
    const { spans, parentIndex } = canonicalize(input);
    const flags = repairSpanFlags(spans, parentIndex)!;
    const byId = Object.fromEntries(spans.map((s, i) => [s.spanId.slice(-1), flags[i]]));
    expect(byId).toEqual({ '1': 1, '2': 1, '3': 1, '4': 1, '5': 1, '6': 0, '7': 0, '8': 0 });
  });
});
