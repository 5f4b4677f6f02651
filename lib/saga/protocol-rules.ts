/**
 * What "correct" means for each `saga.protocol`, and who decides that an op has
 * failed (DESIGN.md §3 "Protocol rules", "Who decides that a saga has failed").
 *
 * A coordinator that retries has not failed while it retries. DTM retries every
 * call it makes until it succeeds, except the one answer it takes as final: a
 * saga action's FAILURE, which starts the rollback (dtmsvr/trans_status.go,
 * getBranchResult), and the check-back of a two-phase message answering FAILURE,
 * which abandons the message (dtmsvr/trans_type_msg.go, mayQueryPrepared).
 * DTM emits no spans, so a saga whose spans joined it through DTM's parameters
 * (zero-code) and that has no coordinator span is run by such a coordinator:
 * an op whose last attempt failed there is still in progress, and an unfinished
 * compensation is `compensating` and then `stuck`, never `failed` from spans
 * alone (only DTM's own store can say it gave up).
 */
import type { Op, Protocol, StepResult } from './types';
import type { StepModel } from './steps';

export interface SagaRules {
  protocol: Protocol;
  /** The saga is run by a coordinator that retries failed calls and emits no spans (DTM, zero-code). */
  coordinatorRetries: boolean;
}

/** The rules of a saga, from what its spans say (lib/saga/facts.ts). */
export function sagaRules(protocol: Protocol, zeroCode: boolean, hasCoordinatorSpan: boolean): SagaRules {
  return { protocol, coordinatorRetries: zeroCode && !hasCoordinatorSpan };
}

/**
 * The ops DTM calls itself, per protocol: it retries these. The others are the
 * application's own calls (a TCC try, an XA action: the application aborts the
 * transaction when they fail), whose failure stands.
 */
const COORDINATOR_CALLS: Readonly<Record<Protocol, ReadonlySet<Op>>> = {
  // dtmsvr/trans_type_saga.go GenBranches: an action and a compensate per step.
  saga: new Set<Op>(['action', 'compensate']),
  // dtmsvr/trans_type_msg.go: each branch's action, and the check-back (branch 00, op msg).
  msg: new Set<Op>(['action', 'msg']),
  // dtmsvr/trans_type_tcc.go ProcessOnce: confirm or cancel of every registered branch.
  tcc: new Set<Op>(['confirm', 'cancel']),
  // dtmsvr/trans_type_xa.go ProcessOnce: commit or rollback of every registered branch.
  xa: new Set<Op>(['commit', 'rollback']),
  // dtmsvr/trans_type_workflow.go: DTM resumes the workflow, which runs its second phase again.
  workflow: new Set<Op>(['compensate', 'cancel', 'rollback', 'confirm', 'commit']),
};

/** The answers DTM takes as final (see the file comment). */
function failureIsFinal(protocol: Protocol, op: Op): boolean {
  return (protocol === 'saga' && op === 'action') || (protocol === 'msg' && op === 'msg');
}

/**
 * The standing of a (step, op) from the result of its latest meaningful attempt
 * (lib/saga/steps.ts finalResult): `running` while it is in progress, which
 * includes an ONGOING answer and a failure that will be retried; `failure` only
 * when nothing will call it again. A `transient` error (not DTM's FAILURE)
 * that nobody retries is a failure.
 */
export function standingOf(op: Op, final: StepResult, rules: SagaRules): StepResult {
  if (final === 'ongoing') return 'running';
  if (final !== 'failure' && final !== 'transient') return final;
  // A message's branches are retried until they succeed, whoever delivers them (DESIGN §3, msg).
  if (rules.protocol === 'msg' && op === 'action') return 'running';
  if (rules.coordinatorRetries && COORDINATOR_CALLS[rules.protocol].has(op)) {
    if (!(final === 'failure' && failureIsFinal(rules.protocol, op))) return 'running';
  }
  return 'failure';
}

/**
 * Sets each (step, op)'s `final` to its standing under `rules`. Run once on a
 * freshly built step model, before the status is assessed (a model whose entries
 * change, e.g. without an operator's repairs, needs it again).
 */
export function settleStandings(model: StepModel, rules: SagaRules): void {
  for (const g of model.groups) for (const h of g.histories) h.final = standingOf(h.op, h.final, rules);
}

/** An attempt that did not do the work: DTM's FAILURE, or an error (5xx, timeout, …). */
export function isFailedAttempt(result: StepResult): boolean {
  return result === 'failure' || result === 'transient';
}

/**
 * The op's latest attempt failed but the op is still in progress: the
 * coordinator will call it again (e.g. DTM retrying a compensation).
 */
export function isBeingRetried(final: StepResult, latestAttempt: StepResult): boolean {
  return final === 'running' && isFailedAttempt(latestAttempt);
}

/** Second-phase ops that complete a first-phase op (DESIGN §3: try+confirm, prepare+submit/commit; DTM's XA: action+commit). */
const COMPLETES: Partial<Record<Op, readonly Op[]>> = { try: ['confirm'], prepare: ['submit', 'commit'] };
const XA_COMPLETES: Partial<Record<Op, readonly Op[]>> = { ...COMPLETES, action: ['commit'] };

export function completingOps(protocol: Protocol, firstPhase: Op): readonly Op[] | undefined {
  return (protocol === 'xa' ? XA_COMPLETES : COMPLETES)[firstPhase];
}

/** Which compensation anomalies a protocol can have. */
export interface CompensationRules {
  /**
   * Compensations must run in reverse order of sequential forward work (saga
   * only: TCC cancels and XA rollbacks may run in any order, DTM runs XA
   * rollbacks in registration order; msg has no compensation; a workflow
   * compensates as its code says).
   */
  ordered: boolean;
  /** Something can be left uncompensated (not XA: a prepared branch is rolled back by the database, and a retried rollback is in progress, not a gap; not msg). */
  missing: boolean;
  /** Compensation anomalies apply at all (msg: forward only). */
  any: boolean;
}

const COMPENSATION_RULES: Readonly<Record<Protocol, CompensationRules>> = {
  saga: { ordered: true, missing: true, any: true },
  tcc: { ordered: false, missing: true, any: true },
  xa: { ordered: false, missing: false, any: true },
  msg: { ordered: false, missing: false, any: false },
  workflow: { ordered: false, missing: true, any: true },
};

export function compensationRules(protocol: Protocol): CompensationRules {
  return COMPENSATION_RULES[protocol];
}
