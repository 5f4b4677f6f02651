/**
 * Guided repair (issue #14): for each anomaly, the manual action that repairs
 * it — checked against the same planner and safety rules a preview uses — or
 * one sentence saying why no action of sagascope's applies. The saga page's
 * "Fix…" opens the preview of the suggested action with its step preselected.
 *
 * An action refused by a rule that an admin may override (coordinator_active)
 * is still suggested: the preview then shows the refusal and the override.
 */
import type { Anomaly, AnomalyKind, Op, Saga, SagaSpan } from '../saga/types';
import { makePlanner, type PlanContext, type ActionRequest } from './plan';
import { UNDO_OP, type ActionKind } from './safety';
import { isFailedAttempt } from '../saga/protocol-rules';

export interface SuggestedAction {
  action: ActionKind;
  /** null: the whole saga ("Compensate saga"). */
  step: string | null;
  /** The op the action calls (compensate / cancel / rollback, or the step's forward op). */
  op: Op;
}

export interface RepairSuggestion {
  suggestedAction: SuggestedAction | null;
  /** What the suggested action does, or why none applies. */
  suggestion: string;
}

/** Anomalies no call of sagascope's can repair, and what to do about them instead. */
const NO_ACTION: Partial<Record<AnomalyKind, string>> = {
  compensation_out_of_order:
    'Nothing to call: the compensations already ran, in an order that cannot be changed now. Check that the steps\' compensations commute, and fix the orchestrator\'s order.',
  null_compensation:
    'Nothing to call: a compensation ran for a step whose action never ran. If it was not a no-op in its service, undo its effect there.',
  hanging_action:
    'Nothing sagascope can call safely: the action ran after its compensation, so its effect is outside the saga now. Undo it in the owning service (its compensation already ran once).',
  duplicate_execution:
    'Nothing to call: the participant ran the same op twice (an idempotency breach). Undo the duplicate effect in its service and fix its idempotency check.',
  retry_storm:
    'Nothing to call: more attempts would add to the storm. Find out why the step keeps failing in its service first.',
  orphan_step:
    'Nothing to call: this is an instrumentation gap (no coordinator call covers the op). Check the orchestrator\'s spans.',
  coordinator_divergence:
    "Nothing for sagascope to call around DTM: its store and the spans disagree. Check the branch's service (missing spans) or DTM's store; use DTM's controls (Retry now, Stop) where DTM is to act.",
};

function candidate(saga: Saga, a: Anomaly): ActionRequest | { none: string } {
  const fixed = NO_ACTION[a.kind];
  if (fixed !== undefined) return { none: fixed };
  switch (a.kind) {
    case 'missing_compensation':
    case 'compensation_failed':
      return a.step !== null ? { action: 'compensate', step: a.step } : { action: 'compensate' };
    case 'stuck': {
      const undoing = saga.steps.some((s) => s.compensation) || saga.failedStep !== null;
      if (undoing) return { action: 'compensate' };
      const failedStep = failedForwardStep(saga);
      if (failedStep !== null) return { action: 'retry', step: failedStep };
      return { none: 'Nothing failed: the coordinator stopped reporting before the saga finished. Check the coordinator; sagascope has nothing safe to call.' };
    }
    default:
      return { none: 'No manual action applies to this anomaly.' };
  }
}

function failedForwardStep(saga: Saga): string | null {
  for (let i = saga.steps.length - 1; i >= 0; i--) {
    const s = saga.steps[i]!;
    if (!s.compensation && isFailedAttempt(s.result)) return s.step;
  }
  return null;
}

function describe(plan: { action: ActionKind; step: string | null }, op: Op): string {
  if (plan.action === 'retry') return `Retry the ${op} of step "${plan.step}".`;
  return plan.step === null ? `Compensate the saga: ${op} every succeeded step not yet undone, in reverse order.` : `Run the ${op} of step "${plan.step}".`;
}

/** One suggestion per anomaly, in the anomalies' order. */
export function suggestRepairs(
  saga: Saga, spans: readonly SagaSpan[], ctx: PlanContext = {}, given: ReturnType<typeof makePlanner> | null = null,
): RepairSuggestion[] {
  if (saga.anomalies.length === 0) return [];
  let planner = given;
  return saga.anomalies.map((a) => {
    const c = candidate(saga, a);
    if ('none' in c) return { suggestedAction: null, suggestion: c.none };
    planner ??= makePlanner(saga, spans, ctx);
    const plan = planner(c);
    if (plan.refusal !== null && !plan.overridable) return { suggestedAction: null, suggestion: plan.refusal };
    const op = c.action === 'retry' ? (plan.calls[0]?.op ?? 'action') : (UNDO_OP[saga.protocol] ?? 'compensate');
    const action: SuggestedAction = { action: c.action, step: c.step ?? null, op };
    return { suggestedAction: action, suggestion: plan.refusal === null ? describe(action, op) : `${describe(action, op)} ${plan.refusal}` };
  });
}

/** Whether "Compensate saga" can be offered: its refusal by the rules now, if any (shown beside the disabled button). */
export interface SagaActionGuide {
  repairs: RepairSuggestion[];
  compensateSaga: { refusal: string | null; overridable: boolean };
}

export function repairGuide(saga: Saga, spans: readonly SagaSpan[], ctx: PlanContext = {}): SagaActionGuide {
  const planner = makePlanner(saga, spans, ctx);
  const whole = planner({ action: 'compensate' });
  return { repairs: suggestRepairs(saga, spans, ctx, planner), compensateSaga: { refusal: whole.refusal, overridable: whole.overridable } };
}
