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

// ---- sagas DTM runs (issue #16 §4) -----------------------------------------------------------
import { checkCoordinatorAction, dtmAllowsAbort, type CoordinatorActionKind, type CoordinatorFacts } from './safety';
import type { CoordinatorStatus } from '../saga/types';

const dtm = (status: CoordinatorStatus | null, transType = 'saga'): CoordinatorFacts => ({
  server: 'http://dtm:36789', status, transType, error: status === null ? 'DTM at http://dtm:36789 did not answer within 1500 ms' : null,
});
const withDtm = (c: CoordinatorFacts | null, status: SagaStatus = 'compensating', begun: string | null = 'a'): SagaSafetyFacts => ({ ...saga('saga', status, begun), coordinator: c });

// Branch actions on a DTM-run saga: refused while DTM drives it (pointing at the coordinator's controls), overridable only
// while DTM cannot be read; once DTM has finished, the usual rules.
const BRANCH_TABLE: Array<[CoordinatorFacts | null, SagaStatus, string | null, SafetyCheck, SafetyRule | null, boolean]> = [
  [dtm('aborting'), 'compensating', 'a', COMP_STEP, 'coordinator_controls', false],
  [dtm('aborting'), 'stuck', 'a', COMP_SAGA, 'coordinator_controls', false],
  [dtm('submitted'), 'running', null, RETRY_FAILED, 'coordinator_controls', false],
  [dtm('prepared', 'tcc'), 'stuck', null, COMP_STEP, 'coordinator_controls', false],
  [dtm(null), 'stuck', 'a', COMP_SAGA, 'coordinator_controls', true],
  [dtm(null), 'stuck', null, RETRY_FAILED, 'coordinator_controls', true],
  // DTM gave up (forceStop): it calls nothing more, so undoing by hand is allowed
  [dtm('failed'), 'failed', 'a', COMP_SAGA, null, false],
  [dtm('failed'), 'failed', null, COMP_STEP, null, false],
  [dtm('failed'), 'failed', 'a', RETRY_FAILED, 'forward_retry_after_compensation', false],
  [dtm('succeed'), 'committed', null, COMP_SAGA, 'saga_committed', false],
  // no DTM: as before
  [null, 'stuck', 'a', COMP_SAGA, null, false],
];

describe('checkAction on a saga DTM runs', () => {
  it.each(BRANCH_TABLE.map((row, i) => [i, ...row] as const))('#%i DTM %o, saga %s', (_i, c, status, begun, check, rule, overridable) => {
    const r = checkAction(withDtm(c, status, begun), check);
    expect(r?.rule ?? null).toBe(rule);
    if (r) {
      expect(r.overridable).toBe(overridable);
      expect(r.message).toMatch(/^Refused: /);
      if (rule === 'coordinator_controls') expect(r.message).toMatch(/Retry now/);
    }
  });
});

// The coordinator's controls: DTM state × trans type × control.
const CONTROL_TABLE: Array<[CoordinatorFacts | null, CoordinatorActionKind, SafetyRule | null]> = [
  [dtm('aborting'), 'coordinator.retry_now', null],
  [dtm('submitted'), 'coordinator.retry_now', null],
  [dtm('submitted', 'msg'), 'coordinator.stop', null],
  [dtm('aborting'), 'coordinator.stop', null],
  [dtm('failed'), 'coordinator.retry_now', 'coordinator_finished'],
  [dtm('succeed'), 'coordinator.stop', 'coordinator_finished'],
  [dtm('failed'), 'coordinator.abort', 'coordinator_finished'],
  // dtmsvr/api.go svcAbort: tcc / xa prepared or aborting; msg prepared; never a saga
  [dtm('prepared', 'tcc'), 'coordinator.abort', null],
  [dtm('aborting', 'xa'), 'coordinator.abort', null],
  [dtm('prepared', 'msg'), 'coordinator.abort', null],
  [dtm('submitted', 'tcc'), 'coordinator.abort', 'coordinator_abort_not_allowed'],
  [dtm('submitted', 'msg'), 'coordinator.abort', 'coordinator_abort_not_allowed'],
  [dtm('aborting', 'saga'), 'coordinator.abort', 'coordinator_abort_not_allowed'],
  [dtm('prepared', 'saga'), 'coordinator.abort', 'coordinator_abort_not_allowed'],
  [dtm(null), 'coordinator.retry_now', 'coordinator_unreadable'],
  [null, 'coordinator.stop', 'not_coordinator_run'],
];

describe('checkCoordinatorAction', () => {
  it.each(CONTROL_TABLE.map((row, i) => [i, ...row] as const))('#%i DTM %o %s', (_i, c, action, rule) => {
    const r = checkCoordinatorAction(withDtm(c), action);
    expect(r?.rule ?? null).toBe(rule);
    if (r) {
      expect(r.overridable).toBe(false);
      expect(r.message).toContain(`(rule: ${RULE_TITLES[r.rule]})`);
    }
  });

  it('dtmAllowsAbort follows svcAbort', () => {
    expect(['saga', 'msg', 'tcc', 'xa', 'workflow'].map((t) => dtmAllowsAbort(t, 'prepared'))).toEqual([false, true, true, true, false]);
  });
});
