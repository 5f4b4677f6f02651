/**
 * Manual actions as a plan, computed from the saga model before anything is
 * called: which URLs, in which order, with which idempotency keys, and the
 * evidence the operator is acting on. Pure; the executor (lib/actions/execute.ts)
 * carries a plan out, and the dry run shows it unchanged.
 *
 * - retry step: call the step's first-phase op (action / try / prepare) again,
 *   when its last attempt did not succeed.
 * - compensate step: call the step's undo op (compensate / cancel / rollback by
 *   protocol), when its forward work succeeded and no undo of it succeeded yet.
 * - compensate saga: every such step, in reverse step order; the executor stops
 *   at the first failure (later steps must not be undone before earlier ones).
 * Whether the action is safe at all is safety.ts's call; every plan carries a
 * planId (plan-id.ts) that binds a real run to the preview it confirms.
 */
import { createHash } from 'node:crypto';
import type { Op, Saga, SagaSpan, Step, SagaStatus } from '../saga/types';
import { FIRST_PHASE_OPS } from '../saga/ops';
import { isFailedAttempt } from '../saga/protocol-rules';
import { attemptSlot } from './unanswered';
import { checkAction, UNDO_OP, type ActionKind, type Refusal, type SafetyRule, type SagaSafetyFacts, type StepSafetyFacts } from './safety';
import { planIdOf, sagaVersion } from './plan-id';

export type { ActionKind, ActionRequest, PlannedCall, ActionPlan } from './plan-types';
import type { ActionPlan, ActionRequest, PlannedCall } from './plan-types';

const UNDO_OPS = new Set<Op>(['compensate', 'cancel', 'rollback']);
const FIRST_PHASE = new Set<Op>(FIRST_PHASE_OPS);

/** Stable per (saga, step, op, attempt): re-planning after a lost answer yields the same key, so participants dedupe. */
export function idempotencyKey(sagaId: string, key: string, op: Op, attempt: number): string {
  return 'sgs-' + createHash('sha256').update(`${sagaId}\u0000${key}\u0000${op}\u0000${attempt}`).digest('base64url').slice(0, 32);
}

interface StepFacts {
  key: string;
  name: string;
  index: number;
  firstPhase: Step[];
  undo: Step[];
  actionUrl: string | null;
  compensateUrl: string | null;
  branchId: string | null;
}

function factsOf(saga: Saga, spans: readonly SagaSpan[]): Map<string, StepFacts> {
  const facts = new Map<string, StepFacts>();
  for (const s of saga.steps) {
    let f = facts.get(s.key);
    if (!f) {
      f = { key: s.key, name: s.step, index: s.index, firstPhase: [], undo: [], actionUrl: null, compensateUrl: null, branchId: null };
      facts.set(s.key, f);
    }
    if (FIRST_PHASE.has(s.op)) f.firstPhase.push(s);
    else if (UNDO_OPS.has(s.op)) f.undo.push(s);
  }
  // The latest recorded URL of each kind wins (a redeploy may have moved an endpoint).
  const ordered = [...spans].sort((a, b) => a.startMs - b.startMs);
  for (const sp of ordered) {
    const f = facts.get(sp.branchId ?? sp.step ?? '');
    if (!f) continue;
    if (sp.branchId) f.branchId = sp.branchId;
    if (sp.actionUrl) f.actionUrl = sp.actionUrl;
    if (sp.compensateUrl) f.compensateUrl = sp.compensateUrl;
  }
  return facts;
}

const lastResult = (entries: readonly Step[]) =>
  entries.length === 0 ? null : [...entries].sort((a, b) => a.attempt - b.attempt || a.startMs - b.startMs).at(-1)!.result;
const isFailedResult = (r: Step['result'] | null) => r !== null && isFailedAttempt(r);
const nextAttempt = (entries: readonly Step[]) => entries.reduce((m, e) => Math.max(m, e.attempt), 0) + 1;
const needsUndo = (f: StepFacts) => lastResult(f.firstPhase) === 'success' && !f.undo.some((e) => e.result === 'success');

export interface PlanContext {
  /** Calls nobody knows the outcome of (lib/actions/unanswered.ts): their next attempt reuses their key. */
  unanswered?: ReadonlyMap<string, string>;
  /** When the plan is made (unix ms), for "last span N s ago"; default: the saga's last activity. */
  nowMs?: number;
  /** The model's stuck threshold (ModelConfig.stuckAfterMs); default 5 minutes. */
  stuckAfterMs?: number;
  /**
   * false: plans that are only read for their verdict (guided repair on the saga page) skip the
   * planId, whose saga version sorts and hashes every span id; their planId is ''.
   */
  planIds?: boolean;
}

type PlanRefusal = Pick<Refusal, 'message' | 'overridable'> & { rule: ActionPlan['rule'] };

const notSafe = (rule: 'no_url' | 'no_step', message: string): PlanRefusal => ({ rule, message, overridable: false });

function stepFacts(f: StepFacts, saga: Saga): StepSafetyFacts {
  const undone = f.undo.some((e) => e.result === 'success');
  return {
    name: f.name,
    forwardOp: f.firstPhase[0]?.op ?? (saga.protocol === 'tcc' ? 'try' : saga.protocol === 'xa' ? 'prepare' : 'action'),
    forward: lastResult(f.firstPhase),
    undone,
    undoFailed: !undone && isFailedResult(lastResult(f.undo)),
  };
}

/** The saga's own first compensation (manual ones too: once anything was undone, the saga is being undone). */
function compensationBegunAt(saga: Saga): string | null {
  let first: Step | null = null;
  for (const s of saga.steps) if (s.compensation && (first === null || s.startMs < first.startMs)) first = s;
  return first?.step ?? null;
}

export function planAction(saga: Saga, spans: readonly SagaSpan[], req: ActionRequest, ctx: PlanContext = {}): ActionPlan {
  return makePlanner(saga, spans, ctx)(req);
}

/**
 * Plans several actions on one saga: the step facts and the saga's version are
 * worked out once (a large saga's spans are sorted and hashed once, not per plan).
 */
export function makePlanner(saga: Saga, spans: readonly SagaSpan[], ctx: PlanContext = {}): (req: ActionRequest) => ActionPlan {
  const facts = factsOf(saga, spans);
  let version: string | null = null;
  const safety: SagaSafetyFacts = {
    protocol: saga.protocol,
    status: saga.status,
    compensationBegunAt: compensationBegunAt(saga),
    quietForMs: Math.max(0, (ctx.nowMs ?? saga.lastActivityMs) - saga.lastActivityMs),
    stuckAfterMs: ctx.stuckAfterMs ?? 300_000,
  };
  return (req) => {
    version ??= ctx.planIds === false ? '' : sagaVersion(spans);
    return planWith(saga, facts, safety, version, req, ctx);
  };
}

function planWith(
  saga: Saga, facts: Map<string, StepFacts>, safety: SagaSafetyFacts, version: string, req: ActionRequest, ctx: PlanContext,
): ActionPlan {
  // The attempt after an unanswered one may be the same work done twice: same key, so the participant can tell.
  const keyFor = (f: StepFacts, op: Op, attempt: number) =>
    ctx.unanswered?.get(attemptSlot(f.name, op, attempt - 1)) ?? idempotencyKey(saga.id, f.key, op, attempt);
  const base = {
    sagaId: saga.id,
    action: req.action,
    scope: req.step === undefined ? ('saga' as const) : ('step' as const),
    step: req.step ?? null,
    evidence: { status: saga.status, failedStep: saga.failedStep, anomalies: [...new Set(saga.anomalies.map((a) => a.kind))] },
  };
  const finish = (calls: PlannedCall[], refusal: PlanRefusal | null): ActionPlan => {
    // A refusal no one may override plans no call: there is nothing to show an override would do.
    const shown = refusal !== null && !refusal.overridable ? [] : calls;
    const plan: Omit<ActionPlan, 'planId'> = {
      ...base,
      calls: shown,
      refusal: refusal?.message ?? null,
      rule: refusal?.rule ?? null,
      overridable: refusal?.overridable ?? false,
    };
    return { ...plan, planId: ctx.planIds === false ? '' : planIdOf(version, plan) };
  };
  const call = (f: StepFacts, order: number, op: Op, attempt: number, url: string): PlannedCall => ({
    order, step: f.name, key: f.key, index: f.index, op, attempt, url, idempotencyKey: keyFor(f, op, attempt), branchId: f.branchId,
  });

  if (req.step === undefined) {
    if (req.action === 'retry') return finish([], checkAction(safety, { action: 'retry', step: null }));
    const todo = [...facts.values()].filter(needsUndo).sort((a, b) => b.index - a.index || b.key.localeCompare(a.key));
    const verdict = checkAction(safety, { action: 'compensate', step: null, pending: todo.length });
    if (verdict !== null && !verdict.overridable) return finish([], verdict);
    const missing = todo.find((f) => !f.compensateUrl);
    if (missing) return finish([], notSafe('no_url', `Refused: step "${missing.name}" recorded no saga.compensate_url, so sagascope has no URL to call. Compensate it by hand in its service`));
    const undoOp = UNDO_OP[saga.protocol]!;
    return finish(todo.map((f, i) => call(f, i + 1, undoOp, nextAttempt(f.undo), f.compensateUrl!)), verdict);
  }

  const f = [...facts.values()].find((x) => x.key === req.step || x.name === req.step);
  if (!f) return finish([], notSafe('no_step', `Refused: this saga has no step "${req.step}"`));
  const sf = stepFacts(f, saga);
  const verdict = checkAction(safety, { action: req.action, step: sf });
  if (verdict !== null && !verdict.overridable) return finish([], verdict);
  if (req.action === 'retry') {
    if (!f.actionUrl) return finish([], notSafe('no_url', `Refused: step "${f.name}" recorded no saga.action_url, so sagascope has no URL to call for its ${sf.forwardOp}`));
    return finish([call(f, 1, sf.forwardOp, nextAttempt(f.firstPhase), f.actionUrl)], verdict);
  }
  const undoOp = UNDO_OP[saga.protocol]!;
  if (!f.compensateUrl) return finish([], notSafe('no_url', `Refused: step "${f.name}" recorded no saga.compensate_url, so sagascope has no URL to call for its ${undoOp}`));
  return finish([call(f, 1, undoOp, nextAttempt(f.undo), f.compensateUrl)], verdict);
}
