/**
 * Manual actions end to end, for the API routes: load a saga's spans, rebuild
 * it with the model, plan (lib/actions/plan.ts), check the plan against the
 * network policy before anything is called (policy.ts), then carry it out
 * (execute.ts) — or, for a dry run, stop after planning.
 *
 * - A real run carries the planId of the preview it confirms (plan-id.ts). The
 *   saga is planned again under the lock; when the new plan's id differs (new
 *   spans arrived, time moved the saga on, another action ran) nothing is
 *   called, the attempt is audited as refused (`by: stale`) and answered 409.
 * - A refused action (by a safety rule, safety.ts, or by the network policy)
 *   calls nothing, is audited once with outcome `refused`, and is answered 409.
 *   An admin may override an overridable rule by typing the saga id; the
 *   override is audited on every entry of the action.
 * - Dry runs call nothing and are not audited: they change nothing, and the
 *   saga's trail would otherwise fill up with previews.
 * - Actions on one saga are serialised within this process (a double click, two
 *   operators at once): the second plans only after the first is finished and
 *   its manual spans are stored, so it sees what the first did. Across several
 *   UI processes the idempotency keys let participants deduplicate.
 * - Batches: the preview runs the list's filter and returns the selection it
 *   showed, `[{ sagaId, planId }]`; the real run takes exactly that selection
 *   and never runs the filter again, so it acts on the previewed sagas only,
 *   each with the plan that was shown (a saga that changed since is `stale`).
 *   Saga by saga; one saga's failure does not stop the others. A batch is
 *   audited as a whole (`saga.batch.<action>`) and each saga's entries name the
 *   batch's intent.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Db } from '../db/connection';
import type { AuditActor } from '../auth/principal';
import type { SagaListQuery } from '../api/query';
import type { ModelConfig } from '../saga/types';
import type { BatchActionItem, BatchActionResponse, BatchItemOutcome } from './types';
import { loadSagaModel } from '../saga/model-store';
import { appendAudit, auditForSaga, type AuditRecord } from '../audit/store';
import { unansweredCalls } from './unanswered';
import { listSagas } from '../db/read';
import type { Protocol } from '../saga/types';
import { planAction, type ActionKind, type ActionPlan } from './plan';
import { preflight, withPolicyRefusal, type PolicyRefusal } from './policy';
import { executePlan, type CallResult } from './execute';
import { safeCall, type SafeCallPolicy } from './safe-call';
import { log, errorFields } from '../log';

/** Most sagas one batch acts on. */
export const MAX_BATCH = 100;

export interface ActionEnv {
  db: Db;
  policy: SafeCallPolicy;
  /** Model thresholds at the current instant. */
  modelConfig: () => ModelConfig;
  /** SAGASCOPE_MAX_SAGA_SPANS: the planner models a saga exactly as its page and summary do (lib/saga/model-store.ts). */
  maxSagaSpans: number;
  /** The tracer of manual spans; asked for only when an action is carried out. */
  tracer: () => Tracer;
  /** Exports the manual spans written so far (bounded); called before an action's lock is released. */
  flushSpans: () => Promise<unknown>;
  /** The HTTP caller; safeCall under `policy` unless replaced (tests). */
  call?: typeof safeCall;
}

export interface ActionInput {
  action: ActionKind;
  step?: string;
  reason: string;
  dryRun: boolean;
  /** Required to act: the planId of the preview being confirmed. */
  planId?: string;
  /** An admin's override of an overridable safety rule: the saga id typed again. */
  override?: { sagaId: string };
}

export type SagaActionResult =
  | { kind: 'not_found' }
  | { kind: 'preview'; plan: ActionPlan }
  /** The saga or the plan changed since the preview: nothing was called. */
  | { kind: 'stale'; plan: ActionPlan; message: string; audit: AuditRecord[] }
  | { kind: 'refused'; plan: ActionPlan; audit: AuditRecord[] }
  | { kind: 'executed'; plan: ActionPlan; ok: boolean; results: CallResult[]; audit: AuditRecord[] };

type Extra = Record<string, string | number | boolean | null>;

// ---- one saga ------------------------------------------------------------------------------

const LOCKS = Symbol.for('sagascope.action-locks');
type LockSlot = { [LOCKS]?: Map<string, Promise<void>> };

/** Runs `fn` when no other action on the same saga is running in this process (module copies share it). */
async function withSagaLock<T>(sagaId: string, fn: () => Promise<T>): Promise<T> {
  const locks = ((globalThis as LockSlot)[LOCKS] ??= new Map());
  const before = locks.get(sagaId) ?? Promise.resolve();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const mine = before.then(() => gate);
  locks.set(sagaId, mine);
  await before;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(sagaId) === mine) locks.delete(sagaId);
  }
}

interface Planned {
  plan: ActionPlan;
  policyRefusal: PolicyRefusal | null;
  saga: { id: string; name: string | null; protocol: Protocol };
}

async function planFor(env: ActionEnv, sagaId: string, input: Pick<ActionInput, 'action' | 'step'>): Promise<Planned | null> {
  const cfg = env.modelConfig();
  const modelled = await loadSagaModel(env.db, sagaId, cfg, env.maxSagaSpans);
  if (!modelled) return null;
  const { saga, spans } = modelled;
  const unanswered = unansweredCalls(await auditForSaga(env.db, sagaId));
  const planned = planAction(
    saga, spans, { action: input.action, ...(input.step !== undefined ? { step: input.step } : {}) },
    { unanswered, nowMs: cfg.nowMs, stuckAfterMs: cfg.stuckAfterMs },
  );
  const policyRefusal = planned.refusal === null ? await preflight(planned, env.policy) : null;
  return { plan: withPolicyRefusal(planned, policyRefusal), policyRefusal, saga: { id: saga.id, name: saga.name, protocol: saga.protocol } };
}

const MAX_RECORDED_CALLS = 10;

const STALE =
  'new spans arrived or the saga changed since your preview, so its plan is no longer the one you confirmed; nothing was called. Preview again';

async function recordRefusal(
  env: ActionEnv, p: Planned, input: ActionInput, actor: AuditActor, extra: Extra, stale: string | null = null,
): Promise<AuditRecord> {
  return appendAudit(env.db, {
    ...actor,
    action: `saga.${input.action}`,
    sagaId: p.saga.id,
    step: p.plan.step,
    outcome: 'refused',
    reason: input.reason,
    request: {
      scope: p.plan.scope,
      // The first calls only: an audit entry is bounded (a saga can have thousands of steps).
      callCount: p.plan.calls.length,
      calls: p.plan.calls
        .slice(0, MAX_RECORDED_CALLS)
        .map((c) => ({ order: c.order, step: c.step, op: c.op, attempt: c.attempt, url: c.url, idempotencyKey: c.idempotencyKey })),
      ...extra,
    },
    result: {
      refusal: stale ?? p.plan.refusal,
      by: stale ? 'stale' : p.policyRefusal ? 'policy' : 'plan',
      rule: stale ? null : p.plan.rule,
      previewedPlanId: input.planId ?? null,
      planId: p.plan.planId,
      reason: p.policyRefusal?.reason ?? null,
      order: p.policyRefusal?.order ?? null,
      evidence: p.plan.evidence,
    },
  });
}

/** An admin's override applies to an overridable rule only, and only with the saga id typed again. */
function overrides(plan: ActionPlan, input: ActionInput, actor: AuditActor): boolean {
  return plan.overridable && plan.refusal !== null && actor.role === 'admin' && input.override?.sagaId === plan.sagaId;
}

async function act(env: ActionEnv, sagaId: string, input: ActionInput, actor: AuditActor, extra: Extra): Promise<SagaActionResult> {
  const p = await planFor(env, sagaId, input);
  if (!p) return { kind: 'not_found' };
  if (input.dryRun) return { kind: 'preview', plan: p.plan };
  if (input.planId !== p.plan.planId) {
    return { kind: 'stale', plan: p.plan, message: STALE, audit: [await recordRefusal(env, p, input, actor, extra, STALE)] };
  }
  const override = overrides(p.plan, input, actor);
  if (p.plan.refusal !== null && !override) return { kind: 'refused', plan: p.plan, audit: [await recordRefusal(env, p, input, actor, extra)] };
  const call = env.call ?? safeCall;
  try {
    // An override carries out the plan the admin saw, refusal and all; the executor only runs unrefused plans.
    const report = await executePlan(
      override ? { ...p.plan, refusal: null } : p.plan,
      { saga: p.saga, actor, reason: input.reason, extra: override ? { ...extra, override: true, overriddenRule: p.plan.rule } : extra },
      { audit: (entry) => appendAudit(env.db, entry), call: (url, init) => call(url, init, env.policy), tracer: env.tracer() },
    );
    return { kind: 'executed', plan: p.plan, ok: report.ok, results: report.results, audit: report.audit };
  } finally {
    // Before the lock is released: the next action on this saga must see these spans.
    await env.flushSpans();
  }
}

export async function actOnSaga(env: ActionEnv, sagaId: string, input: ActionInput, actor: AuditActor, extra: Extra = {}): Promise<SagaActionResult> {
  if (input.dryRun) return act(env, sagaId, input, actor, extra);
  return withSagaLock(sagaId, () => act(env, sagaId, input, actor, extra));
}

// ---- a selection ---------------------------------------------------------------------------

export type BatchItem = BatchActionItem;
export type BatchReport = BatchActionResponse;

export interface BatchPreviewInput {
  action: ActionKind;
  step?: string;
  filter: SagaListQuery;
}

export interface BatchRunInput {
  action: ActionKind;
  step?: string;
  reason: string;
  /** Exactly what the preview returned: the sagas acted on, each with the planId that was shown. */
  selection: ReadonlyArray<{ sagaId: string; planId: string }>;
  /** The filter the preview ran, as the caller gave it (recorded in the audit trail only). */
  filterText: Record<string, string>;
}

const emptyCounts = (): Record<BatchItemOutcome, number> => ({ planned: 0, ok: 0, failed: 0, refused: 0, stale: 0, error: 0 });

/** The first call that did not succeed, as a sentence. */
function failureOf(results: readonly CallResult[]): string {
  return results.find((c) => c.outcome !== 'ok' && c.outcome !== 'not_called')?.error ?? 'a call did not succeed';
}

async function itemFor(
  env: ActionEnv, sagaId: string, meta: { name: string | null; status: BatchItem['status'] } | null,
  run: () => Promise<SagaActionResult>,
): Promise<BatchItem> {
  const item: BatchItem = { sagaId, name: meta?.name ?? null, status: meta?.status ?? 'running', outcome: 'error', plan: null, results: [], error: null };
  try {
    const r = await run();
    if (r.kind === 'not_found') {
      item.error = 'the saga has no stored spans any more';
      return item;
    }
    item.plan = r.plan;
    item.status = r.plan.evidence.status;
    switch (r.kind) {
      case 'preview':
        item.outcome = r.plan.refusal === null ? 'planned' : 'refused';
        item.error = r.plan.refusal;
        break;
      case 'stale':
        item.outcome = 'stale';
        item.error = r.message;
        break;
      case 'refused':
        item.outcome = 'refused';
        item.error = r.plan.refusal;
        break;
      case 'executed':
        item.outcome = r.ok ? 'ok' : 'failed';
        item.results = r.results;
        item.error = r.ok ? null : failureOf(r.results);
    }
  } catch (err) {
    log.error('batch action failed on one saga', { sagaId, ...errorFields(err) });
    item.outcome = 'error';
    item.error = 'internal error on this saga (see the server log)';
  }
  return item;
}

/** The dry run of a batch: the newest sagas matching the filter, each planned; `selection` is what a real run may act on. */
export async function previewSelection(env: ActionEnv, input: BatchPreviewInput, actor: AuditActor): Promise<BatchReport> {
  const limit = Math.min(MAX_BATCH, input.filter.limit);
  const list = await listSagas(env.db, { ...input.filter, limit, cursor: undefined });
  const counts = emptyCounts();
  const items: BatchItem[] = [];
  const dry: ActionInput = { action: input.action, ...(input.step !== undefined ? { step: input.step } : {}), reason: '', dryRun: true };
  for (const summary of list.items) {
    const item = await itemFor(env, summary.id, summary, () => actOnSaga(env, summary.id, dry, actor));
    counts[item.outcome]++;
    items.push(item);
  }
  const selection = items.filter((i) => i.outcome === 'planned' && i.plan).map((i) => ({ sagaId: i.sagaId, planId: i.plan!.planId }));
  return { dryRun: true, action: input.action, selected: list.items.length, counts, items, selection, audit: [] };
}

/** The real run of a batch: the previewed selection, nothing else. */
export async function actOnSelection(env: ActionEnv, input: BatchRunInput, actor: AuditActor): Promise<BatchReport> {
  const counts = emptyCounts();
  const items: BatchItem[] = [];
  const batchAction = `saga.batch.${input.action}`;
  const intent = await appendAudit(env.db, {
    ...actor,
    action: batchAction,
    outcome: 'intent',
    reason: input.reason,
    request: {
      filter: input.filterText,
      step: input.step ?? null,
      selection: input.selection.map((s) => ({ sagaId: s.sagaId, planId: s.planId })),
    },
  });
  const audit: AuditRecord[] = [intent];
  for (const { sagaId, planId } of input.selection) {
    const one: ActionInput = { action: input.action, ...(input.step !== undefined ? { step: input.step } : {}), reason: input.reason, dryRun: false, planId };
    const item = await itemFor(env, sagaId, null, () => actOnSaga(env, sagaId, one, actor, { batch: intent.seq }));
    counts[item.outcome]++;
    items.push(item);
  }
  const outcome = counts.failed + counts.error > 0 ? 'failed' : counts.ok > 0 ? 'ok' : 'refused';
  audit.push(
    await appendAudit(env.db, { ...actor, action: batchAction, outcome, ref: intent.seq, result: { selected: input.selection.length, ...counts } }),
  );
  return { dryRun: false, action: input.action, selected: input.selection.length, counts, items, selection: [], audit };
}
