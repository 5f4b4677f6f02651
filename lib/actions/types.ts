/** What a manual action (one saga, or a batch) answers: built in lib/actions, sent by the API as is. */
import type { SagaStatus } from '../saga/types';
import type { AuditEntry } from '../audit/types';
import type { ActionKind, ActionPlan } from './plan-types';
import type { CallResult } from './execute';

/**
 * POST /api/sagas/{id}/actions. Dry run: `{ plan }`. Refused (409): `{ error, plan, audit }`.
 * Carried out: `{ ok, plan, results, audit }` (200), or with `error` when a call did not succeed (502).
 */
export interface ActionResponse {
  ok?: boolean;
  error?: string;
  /** 409: the saga or the plan changed since the preview; `plan` is the new one. */
  stale?: boolean;
  /** 409: the safety rule that refused the action. */
  rule?: string | null;
  plan: ActionPlan;
  results?: CallResult[];
  audit?: AuditEntry[];
}

/** `stale`: the saga changed between the preview and the real run; nothing was called for it. */
export type BatchItemOutcome = 'planned' | 'ok' | 'failed' | 'refused' | 'stale' | 'error';

export interface BatchActionItem {
  sagaId: string;
  name: string | null;
  /** Status when the batch selected it. */
  status: SagaStatus;
  outcome: BatchItemOutcome;
  plan: ActionPlan | null;
  results: CallResult[];
  /** Refusal or error sentence. */
  error: string | null;
}

/** POST /api/sagas/actions. */
export interface BatchActionResponse {
  dryRun: boolean;
  action: ActionKind;
  selected: number;
  counts: Record<BatchItemOutcome, number>;
  items: BatchActionItem[];
  /** Dry run: the sagas a real run may act on, each with the planId shown (a real run sends exactly this back). */
  selection: Array<{ sagaId: string; planId: string }>;
  /** The batch's own audit entries (intent, outcome); each saga's entries name the intent's seq as `batch`. */
  audit: AuditEntry[];
}
