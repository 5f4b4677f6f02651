/**
 * Manual actions as a plan, computed from the saga model before anything is
 * called: which URLs, in which order, with which idempotency keys, and the
 * evidence the operator is acting on. Pure; the executor (lib/actions/execute.ts)
 * carries a plan out, and the dry run shows it unchanged.
 *
 * - retry step: call the step's first-phase op (action / try / prepare) again,
 *   when its last attempt did not succeed.
 * - compensate step: call the step's compensation, when its forward work
 *   succeeded and no compensation of it succeeded yet.
 * - compensate saga: every such step, in reverse step order; the executor stops
 *   at the first failure (later steps must not be undone before earlier ones).
 */
import { createHash } from 'node:crypto';
import type { Op, Protocol, Saga, SagaSpan, Step, SagaStatus } from '../saga/types';
import { FIRST_PHASE_OPS } from '../saga/ops';
import { attemptSlot } from './unanswered';

export type ActionKind = 'retry' | 'compensate';

export interface ActionRequest {
  action: ActionKind;
  /** Step display name or key; omitted for "compensate saga". */
  step?: string;
}

export interface PlannedCall {
  order: number;
  step: string;
  key: string;
  index: number;
  op: Op;
  /** The attempt number this call will be (one above any seen). */
  attempt: number;
  url: string;
  idempotencyKey: string;
  /** The coordinator's branch id of the step (DTM), when its spans recorded one. */
  branchId: string | null;
}

export interface ActionPlan {
  sagaId: string;
  action: ActionKind;
  scope: 'step' | 'saga';
  step: string | null;
  calls: PlannedCall[];
  /** Why nothing can be done, when calls is empty. */
  refusal: string | null;
  evidence: {
    status: SagaStatus;
    failedStep: string | null;
    anomalies: string[];
  };
}

const COMPENSATION_OP: Record<Protocol, Op> = { saga: 'compensate', workflow: 'compensate', tcc: 'cancel', xa: 'rollback', msg: 'rollback' };
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
const nextAttempt = (entries: readonly Step[]) => entries.reduce((m, e) => Math.max(m, e.attempt), 0) + 1;
const needsUndo = (f: StepFacts) => lastResult(f.firstPhase) === 'success' && !f.undo.some((e) => e.result === 'success');

export interface PlanContext {
  /** Calls nobody knows the outcome of (lib/actions/unanswered.ts): their next attempt reuses their key. */
  unanswered?: ReadonlyMap<string, string>;
}

export function planAction(saga: Saga, spans: readonly SagaSpan[], req: ActionRequest, ctx: PlanContext = {}): ActionPlan {
  const facts = factsOf(saga, spans);
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
  const refuse = (refusal: string): ActionPlan => ({ ...base, calls: [], refusal });
  const undoOp = COMPENSATION_OP[saga.protocol];

  if (req.action === 'compensate' && saga.status === 'committed') return refuse('the saga committed: there is nothing to compensate');
  if (req.action === 'compensate' && saga.status === 'compensated') return refuse('the saga is already compensated');

  if (req.step === undefined) {
    if (req.action === 'retry') return refuse('retry needs a step');
    const todo = [...facts.values()].filter(needsUndo).sort((a, b) => b.index - a.index || b.key.localeCompare(a.key));
    if (todo.length === 0) return refuse('no succeeded step is left without a successful compensation');
    const missing = todo.find((f) => !f.compensateUrl);
    if (missing) return refuse(`step ${missing.name} recorded no saga.compensate_url to call`);
    return {
      ...base,
      refusal: null,
      calls: todo.map((f, i) => {
        const attempt = nextAttempt(f.undo);
        return { order: i + 1, step: f.name, key: f.key, index: f.index, op: undoOp, attempt, url: f.compensateUrl!, idempotencyKey: keyFor(f, undoOp, attempt), branchId: f.branchId };
      }),
    };
  }

  const f = [...facts.values()].find((x) => x.key === req.step || x.name === req.step);
  if (!f) return refuse(`no step ${req.step} in this saga`);
  if (req.action === 'retry') {
    const first = f.firstPhase[0]?.op ?? (saga.protocol === 'tcc' ? 'try' : 'action');
    if (lastResult(f.firstPhase) === 'success') return refuse(`step ${f.name} already succeeded`);
    if (f.undo.some((e) => e.result === 'success')) return refuse(`step ${f.name} was compensated: retrying its action now would leave it half done`);
    if (!f.actionUrl) return refuse(`step ${f.name} recorded no saga.action_url to call`);
    const attempt = nextAttempt(f.firstPhase);
    return { ...base, refusal: null, calls: [{ order: 1, step: f.name, key: f.key, index: f.index, op: first, attempt, url: f.actionUrl, idempotencyKey: keyFor(f, first, attempt), branchId: f.branchId }] };
  }
  if (!needsUndo(f)) {
    return refuse(
      lastResult(f.firstPhase) === 'success' ? `step ${f.name} is already compensated` : `step ${f.name} did not succeed: nothing to compensate`,
    );
  }
  if (!f.compensateUrl) return refuse(`step ${f.name} recorded no saga.compensate_url to call`);
  const attempt = nextAttempt(f.undo);
  return { ...base, refusal: null, calls: [{ order: 1, step: f.name, key: f.key, index: f.index, op: undoOp, attempt, url: f.compensateUrl, idempotencyKey: keyFor(f, undoOp, attempt), branchId: f.branchId }] };
}
