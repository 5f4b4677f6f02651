/**
 * The safety rules of manual actions (DESIGN.md §3 "Manual remediation", §5):
 * what an operator may ask sagascope to call, given the saga's protocol and
 * state. Pure and table-tested (safety.test.ts); the planner (plan.ts) asks it
 * before it plans a call, so a refusal is the same sentence in the preview, in
 * the 409 of a real run and in the audit trail.
 *
 * Each refusal names its rule and says what to do instead. Only one rule can be
 * overridden, by an admin who types the saga id: `coordinator_active`, because
 * sagascope's view of "still driving" is a heuristic (recent spans, root span
 * not ended) and a coordinator can be dead while its last spans are recent.
 * The other rules protect invariants no operator knowledge changes: undoing a
 * forward-only protocol, re-running work the saga is undoing, undoing what did
 * not happen or was already undone.
 */
import type { CoordinatorStatus, Op, Protocol, SagaStatus, StepResult } from '../saga/types';

/** Branch-level calls sagascope makes itself. */
export type BranchActionKind = 'retry' | 'compensate';
/** The coordinator's own controls (DTM: dtmsvr/api_http.go), for a saga a configured DTM server runs. */
export type CoordinatorActionKind = 'coordinator.retry_now' | 'coordinator.stop' | 'coordinator.abort';
export type ActionKind = BranchActionKind | CoordinatorActionKind;
export const COORDINATOR_ACTIONS: readonly CoordinatorActionKind[] = ['coordinator.retry_now', 'coordinator.stop', 'coordinator.abort'];
export const isCoordinatorAction = (a: ActionKind): a is CoordinatorActionKind => a.startsWith('coordinator.');

export type SafetyRule =
  | 'needs_step'
  | 'forward_only_protocol'
  | 'saga_committed'
  | 'saga_compensated'
  | 'forward_retry_after_compensation'
  | 'coordinator_active'
  | 'step_not_succeeded'
  | 'step_already_undone'
  | 'step_already_succeeded'
  | 'nothing_to_undo'
  | 'coordinator_controls'
  | 'not_coordinator_run'
  | 'coordinator_unreadable'
  | 'coordinator_finished'
  | 'coordinator_abort_not_allowed';

/** Short names of the rules, as the README's table and the sentences use them. */
export const RULE_TITLES: Record<SafetyRule, string> = {
  needs_step: 'a retry names its step',
  forward_only_protocol: 'two-phase messages are never compensated',
  saga_committed: 'a committed saga is not undone',
  saga_compensated: 'a compensated saga is not undone twice',
  forward_retry_after_compensation: 'no forward retry once compensation has begun',
  coordinator_active: 'no action while the coordinator is driving the saga',
  step_not_succeeded: 'only a step whose forward op succeeded is compensated',
  step_already_undone: 'a step is undone once',
  step_already_succeeded: 'only a step whose forward op did not succeed is retried',
  nothing_to_undo: 'compensate saga needs a step left to undo',
  coordinator_controls: 'a saga DTM runs is acted on through DTM',
  not_coordinator_run: "the coordinator's controls need a saga a configured DTM server runs",
  coordinator_unreadable: "the coordinator's state must be read before it is acted on",
  coordinator_finished: 'a finished DTM transaction is not driven again',
  coordinator_abort_not_allowed: 'DTM aborts only what it allows to abort',
};

const OVERRIDABLE = new Set<SafetyRule>(['coordinator_active']);

export interface Refusal {
  rule: SafetyRule;
  /** One sentence: what is refused and why, then what to do instead. */
  message: string;
  /** An admin may go ahead anyway by typing the saga id (audited as an override). */
  overridable: boolean;
}

/** The op that undoes a step under each protocol; null: the protocol has none. */
export const UNDO_OP: Record<Protocol, Op | null> = { saga: 'compensate', workflow: 'compensate', tcc: 'cancel', xa: 'rollback', msg: null };

/** What the rules need of the saga. */
export interface SagaSafetyFacts {
  protocol: Protocol;
  status: SagaStatus;
  /** Name of the step whose compensation ran first, when any compensation ran. */
  compensationBegunAt: string | null;
  /** Milliseconds since the saga's last span (for the sentence of coordinator_active). */
  quietForMs: number;
  /** The model's stuck threshold (for the sentence of coordinator_active). */
  stuckAfterMs: number;
  /** The coordinator's own view (lib/dtm), when a configured DTM server owns the saga's gid; absent or null: none. */
  coordinator?: CoordinatorFacts | null;
}

/** What the rules need of the coordinator's view. */
export interface CoordinatorFacts {
  server: string;
  /** DTM's global status; null when DTM could not be read now. */
  status: CoordinatorStatus | null;
  transType: string | null;
  /** Why DTM could not be read, when status is null. */
  error: string | null;
}

const finishedStatus = (s: CoordinatorStatus) => s === 'succeed' || s === 'failed';

/**
 * Whether DTM allows an abort (dtmsvr/api.go svcAbort): a two-phase message still
 * prepared (it becomes failed), or a TCC / XA transaction prepared or aborting. A saga
 * or a submitted message cannot be aborted: DTM drives those to their end itself.
 */
export function dtmAllowsAbort(transType: string | null, status: CoordinatorStatus): boolean {
  if (transType === 'msg') return status === 'prepared';
  return (transType === 'tcc' || transType === 'xa') && (status === 'prepared' || status === 'aborting');
}

/**
 * Branch actions on a saga DTM runs: refused while DTM is driving it (its store would then say something else
 * than what happened), and while DTM cannot be read (then an admin may override: they may know DTM is gone).
 * Once DTM has finished (succeed, or failed: given up or stopped) it calls nothing more, and the usual rules apply.
 */
function coordinatorControlsRefusal(c: CoordinatorFacts, what: string): Refusal | null {
  if (c.status !== null && finishedStatus(c.status)) return null;
  const rule: SafetyRule = 'coordinator_controls';
  const message =
    c.status === null
      ? `Refused: this saga's gid belongs to DTM at ${c.server}, which could not be read now (${c.error ?? 'no answer'}), so ${what} might race DTM's own retries. ` +
        `Use the coordinator's controls once DTM answers (Retry now, Stop, Abort)`
      : `Refused: DTM at ${c.server} runs this saga (status ${c.status}) and retries its branches itself; ${what} around it would leave DTM's store saying something else than what happened. ` +
        `Use the coordinator's controls instead: Retry now (DTM calls the branches at once), Stop (DTM gives up, running no compensation), or Abort where DTM allows it`;
  return { rule, message: `${message} (rule: ${RULE_TITLES[rule]})`, overridable: c.status === null };
}

/** The coordinator's controls (null: allowed). The warning of `coordinator.stop` is the planner's (plan.ts). */
export function checkCoordinatorAction(saga: SagaSafetyFacts, action: CoordinatorActionKind): Refusal | null {
  const c = saga.coordinator ?? null;
  if (c === null) {
    return refuse(
      'not_coordinator_run',
      "Refused: no configured DTM server (SAGASCOPE_DTM_SERVERS) knows this saga's gid, so there is no coordinator to ask. Use Retry step or Compensate step",
    );
  }
  if (c.status === null) {
    return refuse('coordinator_unreadable', `Refused: DTM at ${c.server} could not be read now (${c.error ?? 'no answer'}), so sagascope cannot check what DTM would do. Try again when DTM answers`);
  }
  if (finishedStatus(c.status)) {
    return refuse(
      'coordinator_finished',
      `Refused: DTM has finished this transaction (status ${c.status}) and calls none of its branches any more. ` +
        (c.status === 'failed' ? 'Undo what is left by hand with Compensate step or Compensate saga' : 'Nothing is left for DTM to do'),
    );
  }
  if (action === 'coordinator.abort' && !dtmAllowsAbort(c.transType, c.status)) {
    return refuse(
      'coordinator_abort_not_allowed',
      `Refused: DTM aborts only a TCC or XA transaction that is prepared or aborting, or a two-phase message still prepared; this is a ${c.transType ?? 'transaction of unknown type'} ${c.status}. ` +
        'Use Stop to make DTM give up, or Retry now',
    );
  }
  return null;
}

/** What the rules need of the step acted on. */
export interface StepSafetyFacts {
  name: string;
  /** Its first-phase op (action / try / prepare). */
  forwardOp: Op;
  /** Result of the forward op's latest attempt; null when it never ran. */
  forward: StepResult | null;
  /** A compensation of the step succeeded. */
  undone: boolean;
  /** The step's latest compensation attempt failed (and none succeeded). */
  undoFailed: boolean;
}

export type SafetyCheck =
  | { action: 'retry'; step: StepSafetyFacts | null }
  | { action: 'compensate'; step: StepSafetyFacts }
  /** Compensate saga: `pending` = steps that would be undone. */
  | { action: 'compensate'; step: null; pending: number };

/**
 * The coordinator is driving the saga when the model still expects its next
 * span: `running` or `compensating` (both turn `stuck` after the stuck threshold
 * of quiet, and terminal once the coordinator's root span ends).
 */
export function coordinatorActive(status: SagaStatus): boolean {
  return status === 'running' || status === 'compensating';
}

const refuse = (rule: SafetyRule, message: string): Refusal => ({
  rule,
  message: `${message} (rule: ${RULE_TITLES[rule]})`,
  overridable: OVERRIDABLE.has(rule),
});

const q = (s: string) => `"${s}"`;

function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

function activeRefusal(saga: SagaSafetyFacts, what: string): Refusal {
  const stuckIn = Math.max(0, saga.stuckAfterMs - saga.quietForMs);
  return refuse(
    'coordinator_active',
    `Refused: the coordinator is still driving this saga (status ${saga.status}, last span ${minutes(saga.quietForMs)} ago, its root span has not ended), ` +
      `so ${what} would race it. Wait until it finishes, or until it turns stuck after ${minutes(stuckIn)} more of quiet, or stop the coordinator first`,
  );
}

/** null: allowed. */
export function checkAction(saga: SagaSafetyFacts, check: SafetyCheck): Refusal | null {
  const undoOp = UNDO_OP[saga.protocol];
  if (saga.coordinator) {
    const what =
      check.action === 'retry'
        ? check.step === null ? 'a branch retry' : `retrying step ${q(check.step.name)}`
        : check.step === null ? 'compensating the saga branch by branch' : `compensating step ${q(check.step.name)}`;
    const r = coordinatorControlsRefusal(saga.coordinator, what);
    if (r) return r;
  }
  if (check.action === 'compensate') {
    if (undoOp === null) {
      return refuse(
        'forward_only_protocol',
        'Refused: a two-phase message is forward-only, there is nothing to compensate; its coordinator retries each branch until it succeeds. ' +
          'Retry the failing branch instead',
      );
    }
    if (saga.status === 'committed') {
      return refuse('saga_committed', 'Refused: the saga committed, every step succeeded and none is to be undone. Start a new business transaction to reverse it');
    }
    if (saga.status === 'compensated') {
      return refuse('saga_compensated', 'Refused: the saga is already compensated; every succeeded step was undone. Nothing is left to do');
    }
    const what = check.step === null ? 'compensating the saga' : `compensating step ${q(check.step.name)}`;
    if (coordinatorActive(saga.status)) return activeRefusal(saga, what);
    if (check.step === null) {
      if (check.pending === 0) {
        return refuse('nothing_to_undo', 'Refused: no succeeded step is left without a successful compensation. Nothing is left to undo');
      }
      return null;
    }
    const s = check.step;
    if (s.forward !== 'success') {
      const why =
        s.forward === null
          ? `its ${s.forwardOp} never ran`
          : s.forward === 'running'
            ? `its ${s.forwardOp} has not answered yet`
            : `its ${s.forwardOp} did not succeed (last attempt: ${s.forward})`;
      return refuse(
        'step_not_succeeded',
        `Refused: step ${q(s.name)} has nothing to ${undoOp}: ${why}. ` +
          (s.forward === 'failure' ? `Retry its ${s.forwardOp}, or compensate the steps that succeeded` : 'Compensate the steps that succeeded'),
      );
    }
    if (s.undone) {
      return refuse('step_already_undone', `Refused: step ${q(s.name)} is already undone: its ${undoOp} succeeded. Nothing is left to do for this step`);
    }
    return null;
  }

  // retry
  if (check.step === null) return refuse('needs_step', 'Refused: a retry needs the step to retry. Pick the failed step');
  const s = check.step;
  if (saga.compensationBegunAt !== null) {
    return refuse(
      'forward_retry_after_compensation',
      `Refused: the saga's compensation has begun (step ${q(saga.compensationBegunAt)} was undone first), so retrying the ${s.forwardOp} of step ${q(s.name)} ` +
        `would redo work for a transaction that is being undone. Compensate the remaining steps instead`,
    );
  }
  if (coordinatorActive(saga.status)) return activeRefusal(saga, `retrying step ${q(s.name)}, which it retries itself,`);
  if (s.forward === 'success') {
    if (s.undoFailed && undoOp !== null) {
      return refuse(
        'step_already_succeeded',
        `Refused: the ${s.forwardOp} of step ${q(s.name)} succeeded; it is its ${undoOp} that failed. Use "Compensate step" to run the ${undoOp} again`,
      );
    }
    return refuse('step_already_succeeded', `Refused: the ${s.forwardOp} of step ${q(s.name)} already succeeded. Nothing is left to retry for this step`);
  }
  return null;
}
