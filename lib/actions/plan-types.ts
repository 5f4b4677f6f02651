/**
 * The shape of an action plan (what a preview shows and a real run carries out),
 * apart from plan.ts that builds it, so plan-id.ts can digest a plan without
 * importing its builder (which imports plan-id.ts).
 */
import type { Op, SagaStatus } from '../saga/types';
import type { ActionKind, SafetyRule } from './safety';

export type { ActionKind, CoordinatorActionKind, CoordinatorFacts } from './safety';

/** A call of the coordinator's own API (DTM), instead of branch calls. */
export interface CoordinatorCall {
  /** The configured DTM server that owns the gid: the only host this call may go to. */
  server: string;
  /** DTM's endpoint (dtmsvr/api_http.go). */
  endpoint: 'resetNextCronTime' | 'forceStop' | 'abort';
  method: 'POST';
  /** The JSON body DTM reads: the gid, and for abort the trans_type it checks. */
  body: { gid: string; trans_type?: string };
}

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
  /** For the coordinator's controls: the one DTM call the action makes (calls is then empty). */
  coordinatorCall: CoordinatorCall | null;
  /** What the operator must know before confirming (coordinator.stop: DTM then runs no compensation). */
  warning: string | null;
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
    /** DTM's status when the plan was made (null: not a DTM-run saga, or DTM unreadable). */
    coordinatorStatus?: string | null;
  };
}
