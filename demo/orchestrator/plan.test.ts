import { describe, it, expect } from 'vitest';
import { parseDemoConfig } from '../config';
import { SCENARIOS_BY_FLOW, seededRandom } from '../scenarios';
import { stepNamesOf } from './flows';
import { ScenarioNotApplicable, attemptPlan, backoffMs, planSaga, type StepPlan } from './plan';

const config = parseDemoConfig({ seed: 1 });
const plan = (flow: Parameters<typeof planSaga>[0], scenario: Parameters<typeof planSaga>[1], natural = false) =>
  planSaga(flow, scenario, stepNamesOf(flow), config, seededRandom(9), { natural });
const step = (p: ReturnType<typeof plan>, name: string) => p.steps[name as keyof typeof p.steps] as StepPlan;

describe('planSaga', () => {
  it('plans nothing wrong for a forced healthy saga', () => {
    const p = plan('checkout', 'healthy');
    expect(p).toMatchObject({ coordinatorSpans: true, sagaHeaders: true, undoOrder: 'reverse', skipUndoOf: null, stallAfter: null, backoff: 'exponential' });
    for (const name of stepNamesOf('checkout')) expect(step(p, name)).toMatchObject({ forward: [], undo: [], maxAttempts: 3 });
  });

  it('refuses a scenario the flow cannot show', () => {
    expect(() => plan('transfer', 'stalled')).toThrow(ScenarioNotApplicable);
    expect(() => plan('checkout', 'compensation_retried')).toThrow(ScenarioNotApplicable);
    expect(() => plan('loyalty', 'action_fails')).toThrow(ScenarioNotApplicable);
  });

  it('makes DTM’s flows zero-code: no coordinator spans, no saga headers', () => {
    for (const flow of ['refund', 'transfer', 'loyalty', 'stock-move'] as const) {
      for (const s of SCENARIOS_BY_FLOW[flow]) expect(plan(flow, s)).toMatchObject({ coordinatorSpans: false, sagaHeaders: false });
    }
  });

  it('turns each scenario into its faults and bugs', () => {
    expect(step(plan('checkout', 'action_fails'), 'book-shipping').forward[0].faults).toEqual({ decline: true });
    expect(step(plan('transfer', 'action_fails'), 'credit-target').forward[0].faults).toEqual({ decline: true });

    const cf = plan('checkout', 'compensation_fails');
    expect(step(cf, 'charge-payment').undo).toHaveLength(cf.undoMaxAttempts);
    expect(step(cf, 'charge-payment').undo.every((a) => a.faults.error)).toBe(true);

    expect(plan('checkout', 'compensation_skipped').skipUndoOf).toBe('reserve-inventory');
    expect(plan('checkout', 'compensation_out_of_order').undoOrder).toBe('forward');
    expect(plan('checkout', 'stalled').stallAfter).toBe('reserve-inventory');
    expect(plan('checkout', 'orphan')).toMatchObject({ coordinatorSpans: true, sagaHeaders: true, untracedStep: 'reserve-inventory' });
    expect(plan('checkout', 'healthy').untracedStep).toBeNull();

    const dup = step(plan('checkout', 'duplicate_execution'), 'charge-payment').forward;
    expect(dup.map((a) => a.faults.noBarrier)).toEqual([true, true]);
    expect(dup[0].faults.slowResponseMs).toBeGreaterThan(config.callTimeoutMs);

    const storm = plan('checkout', 'retry_storm');
    expect(storm.backoff).toBe('none');
    expect(step(storm, 'charge-payment').maxAttempts).toBe(config.stormAttempts);
    expect(step(storm, 'charge-payment').forward).toHaveLength(config.stormAttempts - 1);

    const hang = step(plan('checkout', 'hanging_action'), 'reserve-inventory');
    expect(hang.maxAttempts).toBe(1);
    expect(hang.forward[0].link).toEqual({ kind: 'delay', delayMs: config.hangDelayMs });

    const retried = plan('refund', 'compensation_retried');
    expect(step(retried, 'refund-order').forward[0].faults).toEqual({ decline: true });
    expect(step(retried, 'refund-payment').undo.map((a) => a.faults)).toEqual([{ unavailable: true }, { unavailable: true }]);

    expect(step(plan('checkout', 'retried_timeout'), 'charge-payment').forward[0].faults.delayMs).toBeGreaterThan(config.callTimeoutMs);
  });

  it('draws natural trouble only for healthy sagas, and never a slow call in the zero-code flow', () => {
    const cfg = parseDemoConfig({ steps: { default: { failureRate: 0, transientErrorRate: 0, slowRate: 1 } } });
    const checkout = planSaga('checkout', 'healthy', stepNamesOf('checkout'), cfg, seededRandom(1), { natural: true });
    expect(Object.values(checkout.steps).every((s) => s!.forward[0]?.faults.delayMs! > cfg.callTimeoutMs)).toBe(true);
    const refund = planSaga('refund', 'healthy', stepNamesOf('refund'), cfg, seededRandom(1), { natural: true });
    expect(Object.values(refund.steps).every((s) => s!.forward.length === 0)).toBe(true);
    const bug = planSaga('checkout', 'stalled', stepNamesOf('checkout'), cfg, seededRandom(1), { natural: true });
    expect(Object.values(bug.steps).every((s) => s!.forward.length === 0)).toBe(true);
  });

  it('gives every call its processing time unless it has a delay of its own', () => {
    const cfg = parseDemoConfig({ steps: { default: { latencyMs: [20, 20], failureRate: 0, transientErrorRate: 0, slowRate: 0 } } });
    const p = planSaga('checkout', 'retried_timeout', stepNamesOf('checkout'), cfg, seededRandom(1), { natural: true });
    const charge = p.steps['charge-payment']!;
    expect(attemptPlan(charge, 'forward', 1).faults.delayMs).toBeGreaterThan(cfg.callTimeoutMs);
    expect(attemptPlan(charge, 'forward', 2).faults.delayMs).toBe(20);
    expect(attemptPlan(charge, 'confirm', 1)).toEqual({ faults: { delayMs: 20 }, link: null });
  });

  it('backs off exponentially with jitter, capped; the storm does not back off', () => {
    const p = plan('checkout', 'healthy');
    const waits = [1, 2, 3, 4, 5, 6].map((a) => backoffMs(p, config, a, () => 0.5));
    expect(waits).toEqual([100, 200, 400, 800, 1600, 2000]);
    expect(backoffMs(p, config, 1, () => 0)).toBe(80);
    expect(backoffMs(p, config, 1, () => 0.999)).toBe(120);
    expect(backoffMs(plan('checkout', 'retry_storm'), config, 5, () => 0.5)).toBe(20);
  });
});
