/**
 * Manual actions end to end, for the API routes: load a saga's spans, rebuild
 * it with the model, plan (lib/actions/plan.ts), check the plan against the
 * network policy before anything is called (policy.ts), then carry it out
 * (execute.ts) — or, for a dry run, stop after planning.
 *
 * - A refused action (by the planner or by the policy) calls nothing, is audited
 *   once with outcome `refused`, and is answered 409 by the routes.
 * - Dry runs call nothing and are not audited: they change nothing, and the
 *   saga's trail would otherwise fill up with previews.
 * - Actions on one saga are serialised within this process (a double click, two
 *   operators at once): the second plans only after the first is finished and
 *   its manual spans are stored, so it sees what the first did. Across several
 *   UI processes the idempotency keys let participants deduplicate.
 * - Batches run saga by saga, each planned and carried out on its own; one
 *   saga's failure does not stop the others. A batch is audited as a whole
 *   (`saga.batch.<action>`) and each saga's entries name the batch's intent.
 */
import type { Tracer } from '@opentelemetry/api';
import type { Db } from '../db/connection';
import type { AuditActor } from '../auth/principal';
import type { SagaListQuery } from '../api/query';
import type { ModelConfig } from '../saga/types';
import type { BatchActionItem, BatchActionResponse, BatchItemOutcome } from '../api/types';
import { loadSagaSpans } from '../db/saga-spans';
import { appendAudit, auditForSaga, type AuditRecord } from '../db/audit';
import { unansweredCalls } from './unanswered';
import { listSagas } from '../db/read';
import { buildSaga } from '../saga/model';
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
}

export type SagaActionResult =
  | { kind: 'not_found' }
  | { kind: 'preview'; plan: ActionPlan }
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
  saga: { id: string; name: string | null; protocol: ReturnType<typeof buildSaga>['protocol'] };
}

async function planFor(env: ActionEnv, sagaId: string, input: Pick<ActionInput, 'action' | 'step'>): Promise<Planned | null> {
  const spans = (await loadSagaSpans(env.db, [sagaId])).get(sagaId);
  if (!spans || spans.length === 0) return null;
  const saga = buildSaga(sagaId, spans, env.modelConfig());
  const unanswered = unansweredCalls(await auditForSaga(env.db, sagaId));
  const planned = planAction(saga, spans, { action: input.action, ...(input.step !== undefined ? { step: input.step } : {}) }, { unanswered });
  const policyRefusal = planned.refusal === null ? await preflight(planned, env.policy) : null;
  return { plan: withPolicyRefusal(planned, policyRefusal), policyRefusal, saga: { id: saga.id, name: saga.name, protocol: saga.protocol } };
}

const MAX_RECORDED_CALLS = 10;

async function recordRefusal(env: ActionEnv, p: Planned, input: ActionInput, actor: AuditActor, extra: Extra): Promise<AuditRecord> {
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
      refusal: p.plan.refusal,
      by: p.policyRefusal ? 'policy' : 'plan',
      reason: p.policyRefusal?.reason ?? null,
      order: p.policyRefusal?.order ?? null,
      evidence: p.plan.evidence,
    },
  });
}

async function act(env: ActionEnv, sagaId: string, input: ActionInput, actor: AuditActor, extra: Extra): Promise<SagaActionResult> {
  const p = await planFor(env, sagaId, input);
  if (!p) return { kind: 'not_found' };
  if (input.dryRun) return { kind: 'preview', plan: p.plan };
  if (p.plan.refusal !== null) return { kind: 'refused', plan: p.plan, audit: [await recordRefusal(env, p, input, actor, extra)] };
  const call = env.call ?? safeCall;
  try {
    const report = await executePlan(
      p.plan,
      { saga: p.saga, actor, reason: input.reason, extra },
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

export interface BatchInput extends ActionInput {
  filter: SagaListQuery;
  /** The filter as the caller gave it (recorded in the audit trail). */
  filterText: Record<string, string>;
}

export async function actOnSelection(env: ActionEnv, input: BatchInput, actor: AuditActor): Promise<BatchReport> {
  const limit = Math.min(MAX_BATCH, input.filter.limit);
  const list = await listSagas(env.db, { ...input.filter, limit, cursor: undefined });
  const counts: Record<BatchItemOutcome, number> = { planned: 0, ok: 0, failed: 0, refused: 0, error: 0 };
  const items: BatchItem[] = [];
  const audit: AuditRecord[] = [];
  const batchAction = `saga.batch.${input.action}`;

  let intent: AuditRecord | null = null;
  if (!input.dryRun) {
    intent = await appendAudit(env.db, {
      ...actor,
      action: batchAction,
      outcome: 'intent',
      reason: input.reason,
      request: { filter: input.filterText, step: input.step ?? null, limit, sagaIds: list.items.map((s) => s.id) },
    });
    audit.push(intent);
  }

  for (const summary of list.items) {
    const item: BatchItem = { sagaId: summary.id, name: summary.name, status: summary.status, outcome: 'error', plan: null, results: [], error: null };
    try {
      const r = await actOnSaga(env, summary.id, input, actor, intent ? { batch: intent.seq } : {});
      if (r.kind === 'not_found') item.error = 'the saga has no stored spans any more';
      else {
        item.plan = r.plan;
        if (r.kind === 'preview') {
          item.outcome = r.plan.refusal === null ? 'planned' : 'refused';
          item.error = r.plan.refusal;
        } else if (r.kind === 'refused') {
          item.outcome = 'refused';
          item.error = r.plan.refusal;
        } else {
          item.outcome = r.ok ? 'ok' : 'failed';
          item.results = r.results;
          item.error = r.ok ? null : (r.results.find((c) => c.outcome !== 'ok' && c.outcome !== 'not_called')?.error ?? 'a call did not succeed');
        }
      }
    } catch (err) {
      log.error('batch action failed on one saga', { sagaId: summary.id, ...errorFields(err) });
      item.outcome = 'error';
      item.error = 'internal error on this saga (see the server log)';
    }
    counts[item.outcome]++;
    items.push(item);
  }

  if (intent) {
    const outcome = counts.failed + counts.error > 0 ? 'failed' : counts.ok > 0 ? 'ok' : 'refused';
    audit.push(
      await appendAudit(env.db, {
        ...actor,
        action: batchAction,
        outcome,
        ref: intent.seq,
        result: { selected: list.items.length, ...counts },
      }),
    );
  }
  return { dryRun: input.dryRun, action: input.action, selected: list.items.length, counts, items, audit };
}
