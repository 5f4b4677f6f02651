import { describe, expect, it } from 'vitest';
import { checkAction, RULE_TITLES, type SafetyCheck, type SafetyRule, type SagaSafetyFacts, type StepSafetyFacts } from './safety';
import type { Protocol, SagaStatus } from '../saga/types';

const saga = (protocol: Protocol, status: SagaStatus, compensationBegunAt: string | null = null): SagaSafetyFacts => ({
  protocol, status, compensationBegunAt, quietForMs: 20_000, stuckAfterMs: 300_000,
});
const step = (forward: StepSafetyFacts['forward'], o: Partial<StepSafetyFacts> = {}): StepSafetyFacts => ({
  name: 'book-shipping', forwardOp: 'action', forward, undone: false, undoFailed: false, ...o,
});

const RETRY_FAILED: SafetyCheck = { action: 'retry', step: step('failure') };
const RETRY_OK: SafetyCheck = { action: 'retry', step: step('success') };
const RETRY_UNDO_FAILED: SafetyCheck = { action: 'retry', step: step('success', { undoFailed: true }) };
const COMP_STEP: SafetyCheck = { action: 'compensate', step: step('success') };
const COMP_STEP_FAILED: SafetyCheck = { action: 'compensate', step: step('failure') };
const COMP_STEP_NEVER: SafetyCheck = { action: 'compensate', step: step(null) };
const COMP_STEP_UNDONE: SafetyCheck = { action: 'compensate', step: step('success', { undone: true }) };
const COMP_SAGA: SafetyCheck = { action: 'compensate', step: null, pending: 2 };
const COMP_SAGA_NONE: SafetyCheck = { action: 'compensate', step: null, pending: 0 };

// protocol × saga state × action → null (allowed) or the rule that refuses, and whether an admin may override it.
const TABLE: Array<[Protocol, SagaStatus, string | null, SafetyCheck, SafetyRule | null]> = [
  // saga: a failed saga whose coordinator gave up, nothing undone yet
  ['saga', 'failed', null, RETRY_FAILED, null],
  ['saga', 'failed', null, RETRY_OK, 'step_already_succeeded'],
  ['saga', 'failed', null, COMP_STEP, null],
  ['saga', 'failed', null, COMP_STEP_FAILED, 'step_not_succeeded'],
  ['saga', 'failed', null, COMP_STEP_NEVER, 'step_not_succeeded'],
  ['saga', 'failed', null, COMP_SAGA, null],
  ['saga', 'failed', null, COMP_SAGA_NONE, 'nothing_to_undo'],
  // compensation begun: no forward retry, compensating the rest is fine
  ['saga', 'failed', 'reserve-inventory', RETRY_FAILED, 'forward_retry_after_compensation'],
  ['saga', 'failed', 'reserve-inventory', RETRY_UNDO_FAILED, 'forward_retry_after_compensation'],
  ['saga', 'failed', 'reserve-inventory', COMP_STEP_UNDONE, 'step_already_undone'],
  ['saga', 'stuck', 'reserve-inventory', COMP_SAGA, null],
  ['saga', 'stuck', null, RETRY_FAILED, null],
  ['saga', 'failed', null, RETRY_UNDO_FAILED, 'step_already_succeeded'],
  // the coordinator is still driving the saga
  ['saga', 'running', null, RETRY_FAILED, 'coordinator_active'],
  ['saga', 'running', null, COMP_SAGA, 'coordinator_active'],
  ['saga', 'compensating', 'a', COMP_STEP, 'coordinator_active'],
  ['saga', 'compensating', 'a', RETRY_FAILED, 'forward_retry_after_compensation'],
  // terminal
  ['saga', 'committed', null, COMP_SAGA, 'saga_committed'],
  ['saga', 'committed', null, COMP_STEP, 'saga_committed'],
  ['saga', 'compensated', 'a', COMP_STEP, 'saga_compensated'],
  ['saga', 'compensated', 'a', RETRY_FAILED, 'forward_retry_after_compensation'],
  // TCC and XA undo with cancel / rollback under the same rules
  ['tcc', 'failed', null, COMP_SAGA, null],
  ['tcc', 'running', null, COMP_SAGA, 'coordinator_active'],
  ['tcc', 'failed', 'a', RETRY_FAILED, 'forward_retry_after_compensation'],
  ['xa', 'stuck', null, COMP_STEP, null],
  ['xa', 'failed', 'a', COMP_STEP_UNDONE, 'step_already_undone'],
  ['workflow', 'failed', null, COMP_SAGA, null],
  // msg: forward only
  ['msg', 'stuck', null, COMP_SAGA, 'forward_only_protocol'],
  ['msg', 'failed', null, COMP_STEP, 'forward_only_protocol'],
  ['msg', 'stuck', null, RETRY_FAILED, null],
  ['msg', 'running', null, RETRY_FAILED, 'coordinator_active'],
  // retry without a step
  ['saga', 'failed', null, { action: 'retry', step: null }, 'needs_step'],
];

describe('checkAction: protocol × saga state × action', () => {
  it.each(TABLE.map((row, i) => [i, ...row] as const))('#%i %s %s (compensation begun at %s)', (_i, protocol, status, begun, check, rule) => {
    const r = checkAction(saga(protocol, status, begun), check);
    expect(r?.rule ?? null).toBe(rule);
    if (r) {
      // Every refusal names its rule and says what to do instead.
      expect(r.message).toContain(`(rule: ${RULE_TITLES[r.rule]})`);
      expect(r.message).toMatch(/^Refused: /);
      expect(r.message.split('. ').length).toBeGreaterThanOrEqual(2);
      expect(r.overridable).toBe(r.rule === 'coordinator_active');
    }
  });

  it('sentences name the op that failed', () => {
    expect(checkAction(saga('saga', 'failed'), RETRY_UNDO_FAILED)!.message).toMatch(/the action of step "book-shipping" succeeded; it is its compensate that failed/);
    expect(checkAction(saga('tcc', 'failed'), { action: 'compensate', step: step('success', { undone: true, forwardOp: 'try' }) })!.message).toMatch(/its cancel succeeded/);
    expect(checkAction(saga('tcc', 'failed'), { action: 'compensate', step: step('failure', { forwardOp: 'try' }) })!.message).toMatch(/nothing to cancel: its try did not succeed/);
    expect(checkAction(saga('xa', 'failed'), { action: 'compensate', step: step('running', { forwardOp: 'prepare' }) })!.message).toMatch(/nothing to rollback: its prepare has not answered yet/);
  });

  it('coordinator_active says how long the saga has been quiet and when it turns stuck', () => {
    const m = checkAction({ ...saga('saga', 'running'), quietForMs: 90_000, stuckAfterMs: 300_000 }, COMP_SAGA)!.message;
    expect(m).toMatch(/last span 1.5 min ago/);
    expect(m).toMatch(/stuck after 3.5 min more of quiet/);
  });
});
