import { describe, expect, it } from 'vitest';
import { planAction } from './plan';
import { sagaVersion } from './plan-id';
import { sagaSpans, sagaAfter, shuffledWithDuplicates, prng, withStepUrls } from '../../test/support/saga-fixtures';
import type { SagaSpan } from '../saga/types';

const withUrls = withStepUrls;

const failed = () =>
  withUrls(
    sagaSpans({ sagaId: 'P', steps: ['a', 'b', 'c'] })
      .action('a', { at: 0 })
      .action('b', { at: 20 })
      .action('c', { at: 40, fail: true })
      .root({ at: 0, dur: 100 })
      .build(),
  );

const planIdOf = (spans: SagaSpan[], step?: string) =>
  planAction(sagaAfter(spans), spans, { action: 'compensate', ...(step ? { step } : {}) }).planId;

describe('planId', () => {
  it('is the same for the same saga and plan, whatever the spans\' arrival order', () => {
    const spans = failed();
    const id = planIdOf(spans);
    expect(id).toMatch(/^pl_[\w-]{32}$/);
    expect(planIdOf([...spans].reverse())).toBe(id);
    const rnd = prng(7);
    for (let i = 0; i < 5; i++) expect(planIdOf(shuffledWithDuplicates(spans, rnd))).toBe(id);
  });

  it('changes when a span arrives, even one that changes no call', () => {
    const spans = failed();
    const late = withUrls(sagaSpans({ sagaId: 'P', steps: ['a', 'b', 'c'] }).plain({ at: 30 }).build()).map((s) => ({ ...s, spanId: 'f'.repeat(16) }));
    const more = [...spans, ...late];
    const before = planAction(sagaAfter(spans), spans, { action: 'compensate' });
    const after = planAction(sagaAfter(more), more, { action: 'compensate' });
    expect(after.calls).toEqual(before.calls);
    expect(after.planId).not.toBe(before.planId);
  });

  it('changes with the plan: another step, another action, a refusal', () => {
    const spans = failed();
    const ids = new Set([planIdOf(spans), planIdOf(spans, 'a'), planIdOf(spans, 'b'), planAction(sagaAfter(spans), spans, { action: 'retry', step: 'c' }).planId]);
    expect(ids.size).toBe(4);
  });

  it('changes when the same spans are judged differently (time moved the saga on)', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'Q', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).root({ at: 0, running: true }).build(),
    );
    const fresh = planAction(sagaAfter(spans, 1_000), spans, { action: 'compensate' });
    const stuck = planAction(sagaAfter(spans, 3_600_000), spans, { action: 'compensate' });
    expect(fresh.rule).toBe('coordinator_active');
    expect(stuck.rule).toBeNull();
    expect(stuck.planId).not.toBe(fresh.planId);
  });

  it('does not change while only time passes within the same verdict (the sentence\'s "N s ago" is not part of it)', () => {
    const spans = withUrls(
      sagaSpans({ sagaId: 'Q', steps: ['a', 'b'] }).action('a', { at: 0 }).action('b', { at: 20, fail: true }).root({ at: 0, running: true }).build(),
    );
    const saga = sagaAfter(spans, 1_000);
    const early = planAction(saga, spans, { action: 'compensate' }, { nowMs: saga.lastActivityMs + 1_000 });
    const later = planAction(saga, spans, { action: 'compensate' }, { nowMs: saga.lastActivityMs + 4_000 });
    expect(later.refusal).not.toBe(early.refusal);
    expect(later.planId).toBe(early.planId);
  });

  it('sagaVersion depends on the set of span ids only', () => {
    const a = [{ traceId: 't', spanId: '1' }, { traceId: 't', spanId: '2' }];
    expect(sagaVersion(a)).toBe(sagaVersion([...a].reverse()));
    expect(sagaVersion(a)).not.toBe(sagaVersion([...a, { traceId: 't', spanId: '3' }]));
  });
});
