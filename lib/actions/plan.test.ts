import { describe, it, expect } from 'vitest';
import { planAction, idempotencyKey } from './plan';
import { attemptSlot } from './unanswered';
import { sagaSpans, sagaAfter, withStepUrls } from '../../test/support/saga-fixtures';
import type { SagaSpan } from '../saga/types';

const withUrls = withStepUrls;

// a, b succeeded; c failed; only b compensated; coordinator finished → failed, a missing its compensation
const failedSaga = () =>
  withUrls(
    sagaSpans({ sagaId: 'S1', steps: ['a', 'b', 'c'] })
      .action('a', { at: 0 })
      .action('b', { at: 20 })
      .action('c', { at: 40, fail: 'card declined' })
      .compensate('b', { at: 60 })
      .root({ at: 0, dur: 100 })
      .build(),
  );

describe('planAction', () => {
  it('compensate saga: every succeeded step without a successful compensation, reverse order', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'S2', steps: ['a', 'b', 'c'] })
        .action('a', { at: 0 })
        .action('b', { at: 20 })
        .action('c', { at: 40, fail: true })
        .root({ at: 0, dur: 100 })
        .build(),
    );
    const plan = planAction(sagaAfter(spans), spans, { action: 'compensate' });
    expect(plan.refusal).toBeNull();
    expect(plan.calls.map((c) => [c.order, c.step, c.op, c.attempt, c.url])).toEqual([
      [1, 'b', 'compensate', 1, 'http://svc/b/compensate'],
      [2, 'a', 'compensate', 1, 'http://svc/a/compensate'],
    ]);
    expect(plan.evidence.status).toBe('failed');
    expect(plan.evidence.anomalies).toContain('missing_compensation');
  });

  it('after an unanswered attempt (timeout), the next attempt carries the same idempotency key; after an answered one, its own', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'S3', steps: ['a', 'b', 'c'] })
        .action('a', { at: 0 })
        .action('b', { at: 20 })
        .action('c', { at: 40, fail: true })
        .compensate('b', { at: 60, fail: 'no answer within 1500 ms' })
        .root({ at: 0, dur: 100 })
        .build(),
    );
    const saga = sagaAfter(spans);
    const answered = planAction(saga, spans, { action: 'compensate', step: 'b' });
    expect(answered.calls.map((c) => [c.attempt, c.idempotencyKey])).toEqual([[2, idempotencyKey(saga.id, answered.calls[0]!.key, 'compensate', 2)]]);
    const unanswered = new Map([[attemptSlot('b', 'compensate', 1), 'sgs-sent-with-attempt-1']]);
    const again = planAction(saga, spans, { action: 'compensate', step: 'b' }, { unanswered });
    expect(again.calls.map((c) => [c.attempt, c.idempotencyKey])).toEqual([[2, 'sgs-sent-with-attempt-1']]);
  });

  it('compensate saga skips steps already compensated', () => {
    const spans = failedSaga();
    const plan = planAction(sagaAfter(spans), spans, { action: 'compensate' });
    expect(plan.calls.map((c) => c.step)).toEqual(['a']);
  });

  it('compensate step: refused for a step that is already compensated or never succeeded', () => {
    const spans = failedSaga();
    const saga = sagaAfter(spans);
    expect(planAction(saga, spans, { action: 'compensate', step: 'b' }).refusal).toMatch(/already undone: its compensate succeeded/);
    expect(planAction(saga, spans, { action: 'compensate', step: 'c' }).refusal).toMatch(/its action did not succeed \(last attempt: failure\)/);
    expect(planAction(saga, spans, { action: 'compensate', step: 'a' }).calls).toHaveLength(1);
    expect(planAction(saga, spans, { action: 'compensate', step: 'zzz' }).refusal).toMatch(/no step "zzz"/);
  });

  it('retry step: the failed step once more, with the next attempt number', () => {
    // a succeeded, b failed, nothing compensated: the coordinator gave up before undoing anything.
    const spans = withUrls(
      sagaSpans({ sagaId: 'S1', steps: ['a', 'b', 'c'] })
        .action('a', { at: 0 })
        .action('b', { at: 20 })
        .action('c', { at: 40, fail: 'card declined' })
        .root({ at: 0, dur: 100 })
        .build(),
    );
    const saga = sagaAfter(spans);
    const plan = planAction(saga, spans, { action: 'retry', step: 'c' });
    expect(plan.calls).toEqual([
      expect.objectContaining({ step: 'c', op: 'action', attempt: 2, url: 'http://svc/c/action', idempotencyKey: idempotencyKey(saga.id, 'c', 'action', 2) }),
    ]);
    expect(planAction(sagaAfter(spans), spans, { action: 'retry', step: 'a' }).refusal).toMatch(/already succeeded/);
    expect(planAction(sagaAfter(spans), spans, { action: 'retry' }).refusal).toMatch(/needs the step/);
  });

  it('retry step is refused once the saga began compensating, and says to compensate instead', () => {
    const spans = failedSaga();
    const plan = planAction(sagaAfter(spans), spans, { action: 'retry', step: 'c' });
    expect(plan.calls).toEqual([]);
    expect(plan.rule).toBe('forward_retry_after_compensation');
    expect(plan.refusal).toMatch(/compensation has begun \(step "b" was undone first\).*Compensate the remaining steps instead/);
  });

  it('retry of a step whose compensation failed names the compensation, not the action', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'CF', steps: ['a', 'b'] })
        .action('a', { at: 0 })
        .action('b', { at: 20, fail: true })
        .compensate('a', { at: 40, fail: 'HTTP 500' })
        .root({ at: 0, dur: 100 })
        .build(),
    );
    const saga = sagaAfter(spans);
    // Once compensation began, a forward retry is refused by that rule first; the step rule names the failed op.
    expect(planAction(saga, spans, { action: 'retry', step: 'a' }).rule).toBe('forward_retry_after_compensation');
    expect(planAction(saga, spans, { action: 'compensate', step: 'a' }).calls.map((c) => [c.op, c.attempt])).toEqual([['compensate', 2]]);
  });

  it('an actively running saga: compensation is planned for an admin override only, and says why', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'R', steps: ['a', 'b'] })
        .action('a', { at: 0 })
        .action('b', { at: 20, fail: true })
        .root({ at: 0, running: true })
        .build(),
    );
    const saga = sagaAfter(spans, 1_000);
    expect(saga.status).toBe('compensating');
    const plan = planAction(saga, spans, { action: 'compensate' }, { nowMs: saga.lastActivityMs + 1_000, stuckAfterMs: 300_000 });
    expect(plan.rule).toBe('coordinator_active');
    expect(plan.overridable).toBe(true);
    expect(plan.refusal).toMatch(/still driving this saga \(status compensating, last span 1 s ago/);
    expect(plan.calls.map((c) => c.step)).toEqual(['a']);
  });

  it('two-phase messages are never compensated', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'M', protocol: 'msg', steps: ['a', 'b'] })
        .action('a', { at: 0 })
        .action('b', { at: 20, fail: true })
        .root({ at: 0, dur: 50 })
        .build(),
    );
    const plan = planAction(sagaAfter(spans), spans, { action: 'compensate', step: 'a' });
    expect([plan.rule, plan.overridable, plan.calls]).toEqual(['forward_only_protocol', false, []]);
  });

  it('TCC compensations are cancels', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'T', protocol: 'tcc', steps: ['debit', 'credit'] })
        .try('debit', { at: 0 })
        .try('credit', { at: 10, fail: true })
        .root({ at: 0, dur: 50 })
        .build(),
    );
    const plan = planAction(sagaAfter(spans), spans, { action: 'compensate' });
    expect(plan.calls.map((c) => [c.step, c.op])).toEqual([['debit', 'cancel']]);
  });

  it('refuses committed sagas and steps without a recorded URL', () => {
    const ok = sagaSpans({ sagaId: 'C', steps: ['a'] }).action('a', { at: 0 }).root({ at: 0, dur: 20 }).build();
    expect(planAction(sagaAfter(ok), ok, { action: 'compensate' }).refusal).toMatch(/committed/);
    expect(planAction(sagaAfter(ok), ok, { action: 'compensate' }).rule).toBe('saga_committed');
    const noUrls = sagaSpans({ sagaId: 'N', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 10, fail: true }).root({ at: 0, dur: 30 }).build();
    expect(planAction(sagaAfter(noUrls), noUrls, { action: 'compensate' }).refusal).toMatch(/compensate_url/);
  });

  it('carries the branch id of DTM-style steps, none for steps known by name', () => {
    const spans = sagaSpans({ sagaId: 'D', steps: ['a', 'b'] })
      .action('a', { at: 0, branchId: '01' })
      .action('b', { at: 10, branchId: '02', fail: true })
      .root({ at: 0, dur: 30 })
      .build()
      .map((s) => (s.branchId ? { ...s, compensateUrl: `http://svc/undo?gid=D&branch_id=${s.branchId}&op=compensate` } : s));
    const plan = planAction(sagaAfter(spans), spans, { action: 'compensate' });
    expect(plan.calls.map((c) => [c.key, c.branchId, c.url])).toEqual([['01', '01', 'http://svc/undo?gid=D&branch_id=01&op=compensate']]);
    const byName = failedSaga();
    expect(planAction(sagaAfter(byName), byName, { action: 'compensate' }).calls[0]!.branchId).toBeNull();
  });

  it('a recorded manual attempt moves the next plan to the next attempt and key', () => {
    const spans = failedSaga();
    const first = planAction(sagaAfter(spans), spans, { action: 'compensate', step: 'a' }).calls[0]!;
    // The same facts plan the same call: a re-sent request carries the same key.
    expect(planAction(sagaAfter(spans), spans, { action: 'compensate', step: 'a' }).calls[0]).toEqual(first);
    const afterFailedManual = withUrls(
      sagaSpans({ sagaId: 'S1', steps: ['a', 'b', 'c'] })
        .compensate('a', { at: 200, role: 'coordinator', attempt: first.attempt, trigger: 'manual', fail: 'HTTP 503' })
        .build()
        .map((s) => ({ ...s, spanId: `m${s.spanId.slice(1)}` })),
    );
    const all = [...spans, ...afterFailedManual];
    const next = planAction(sagaAfter(all), all, { action: 'compensate', step: 'a' }).calls[0]!;
    expect(next.attempt).toBe(first.attempt + 1);
    expect(next.idempotencyKey).not.toBe(first.idempotencyKey);
  });

  it('keys are stable for the same call and differ between calls', () => {
    expect(idempotencyKey('S', 'a', 'compensate', 1)).toBe(idempotencyKey('S', 'a', 'compensate', 1));
    expect(idempotencyKey('S', 'a', 'compensate', 1)).not.toBe(idempotencyKey('S', 'a', 'compensate', 2));
    expect(idempotencyKey('S', 'a', 'compensate', 1)).toMatch(/^sgs-[A-Za-z0-9_-]{32}$/);
  });
});
