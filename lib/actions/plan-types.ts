/**
 * The shape of an action plan (what a preview shows and a real run carries out),
 * apart from plan.ts that builds it, so plan-id.ts can digest a plan without
 * importing its builder (which imports plan-id.ts).
 */
import type { Op, SagaStatus } from '../saga/types';
import type { ActionKind, SafetyRule } from './safety';

export type { ActionKind } from './safety';

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
  /**
   * Why the action is refused (a safety rule, or the network policy), as one
   * sentence; null when it may go ahead. The calls stay listed when the rule may
   * be overridden, so an admin sees what an override would do.
   */
  refusal: string | null;
  /** The safety rule behind the refusal; `policy` for the network policy. */
  rule: SafetyRule | 'policy' | 'no_url' | 'no_step' | null;
  /** An admin may carry the plan out anyway by typing the saga id (plan.ts, safety.ts). */
  overridable: boolean;
  /**
   * Digest of the saga's version and of this plan (plan-id.ts): a real run must
   * carry the planId of the preview it confirms, and is refused when the saga or
   * the plan changed since.
   */
  planId: string;
  evidence: {
    status: SagaStatus;
    failedStep: string | null;
    anomalies: string[];
  };
}
