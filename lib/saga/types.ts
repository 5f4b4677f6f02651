/**
 * Types of the saga model (DESIGN.md §3). The model is pure: spans in (any order,
 * duplicates allowed), a Saga out. Used by the collector on write and by the UI
 * on read.
 */

export type Protocol = 'saga' | 'tcc' | 'msg' | 'xa' | 'workflow';
export const PROTOCOLS: readonly Protocol[] = ['saga', 'tcc', 'msg', 'xa', 'workflow'];

export type Role = 'coordinator' | 'participant';

export type Op =
  | 'action'
  | 'compensate'
  | 'try'
  | 'confirm'
  | 'cancel'
  | 'prepare'
  | 'submit'
  | 'commit'
  | 'rollback'
  /** DTM's check-back call of a two-phase message (`branch_id=00&op=msg`, "QueryPrepared"). */
  | 'msg';
/** Appended only: UI wire formats index into this list. */
export const OPS: readonly Op[] = [
  'action', 'compensate', 'try', 'confirm', 'cancel', 'prepare', 'submit', 'commit', 'rollback', 'msg',
];
/** Ops that undo a forward step. */
export const COMPENSATION_OPS: readonly Op[] = ['compensate', 'cancel', 'rollback'];

/**
 * A span's own verdict on its attempt, stored in the spans' `result` column:
 * `saga.step.result` (success, failure, skipped, rejected), or for a zero-code
 * DTM branch call the answer read from its HTTP / gRPC status code
 * (lib/saga/dtm-result.ts): `failure` (DTM's FAILURE), `ongoing` (DTM's
 * ONGOING: not done yet, call again) or `transient` (any other error, which DTM
 * retries).
 */
export type ResultOverride = 'success' | 'failure' | 'skipped' | 'rejected' | 'transient' | 'ongoing';

/** saga.trigger: who started a run. `manual`: an operator's action from sagascope (lib/actions). */
export type Trigger = 'manual';
export const TRIGGERS: readonly Trigger[] = ['manual'];
export type StepResult = ResultOverride | 'running';

export type SagaStatus = 'running' | 'committed' | 'compensating' | 'compensated' | 'failed' | 'stuck';
export const SAGA_STATUSES: readonly SagaStatus[] = [
  'running', 'committed', 'compensating', 'compensated', 'failed', 'stuck',
];

export type AnomalyKind =
  | 'missing_compensation'
  | 'compensation_out_of_order'
  | 'compensation_failed'
  | 'null_compensation'
  | 'hanging_action'
  | 'duplicate_execution'
  | 'retry_storm'
  | 'orphan_step'
  | 'stuck'
  /** The coordinator's own store (DTM) and the spans disagree (lib/saga/coordinator.ts). */
  | 'coordinator_divergence';
/** Appended only: stored summaries and filters name kinds, and this order sorts anomalies. */
export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'missing_compensation', 'compensation_out_of_order', 'compensation_failed', 'null_compensation',
  'hanging_action', 'duplicate_execution', 'retry_storm', 'orphan_step', 'stuck', 'coordinator_divergence',
];

/** DTM's global and branch statuses (dtmcli/consts.go), the coordinator's own words. */
export type CoordinatorStatus = 'prepared' | 'submitted' | 'aborting' | 'succeed' | 'failed';
export const COORDINATOR_STATUSES: readonly CoordinatorStatus[] = ['prepared', 'submitted', 'aborting', 'succeed', 'failed'];

/** One branch op as the coordinator stores it (DTM: a row of trans_branch_op). */
export interface CoordinatorBranchOp {
  branchId: string;
  /** DTM's op name (action, compensate, try, confirm, cancel, commit, rollback, msg…). */
  op: string;
  status: CoordinatorStatus;
  url: string;
  /** When the coordinator recorded the op's outcome (finish_time), unix ms. */
  finishedMs: number | null;
}

/**
 * What the model needs of the coordinator's own view (lib/dtm/view.ts makes it
 * from DTM's store): data, never I/O. Optional input of buildSaga.
 */
export interface CoordinatorInput {
  status: CoordinatorStatus;
  /** When the coordinator calls the branches again (next_cron_time), unix ms; null when finished. */
  nextRetryMs: number | null;
  branches: readonly CoordinatorBranchOp[];
  /** When the view was read, unix ms: recent outcomes are given time to reach either side. */
  fetchedMs: number;
}

/** A disagreement between the coordinator's store and the spans (DESIGN.md §3, §5). */
export interface CoordinatorDivergence {
  branchId: string;
  op: string;
  message: string;
}

/** The saga.* fields of one span, after normalisation (lib/saga/attributes.ts). */
export interface SagaFields {
  sagaId: string | null;
  sagaName: string | null;
  protocol: Protocol | null;
  role: Role | null;
  step: string | null;
  stepIndex: number | null;
  branchId: string | null;
  op: Op | null;
  attempt: number | null;
  result: ResultOverride | null;
  actionUrl: string | null;
  compensateUrl: string | null;
  idempotencyKey: string | null;
  /** saga.trigger: `manual` on the spans of an operator's manual retry / compensation. */
  trigger: Trigger | null;
  /** true when the fields were derived from DTM query parameters / gRPC metadata. */
  zeroCode: boolean;
}

/** What the model needs of a stored span (a subset of the spans table). */
export interface SagaSpan extends SagaFields {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  startMs: number;
  endMs: number;
  statusCode: number;
  statusMessage: string | null;
  /** When the collector received the span (server clock); defaults to endMs. */
  receivedMs?: number;
}

export interface Step {
  /** Display name: saga.step, or for zero-code DTM spans the action URL path. */
  step: string;
  /** Identity of the step: branch id when present, else step name. */
  key: string;
  index: number;
  op: Op;
  attempt: number;
  service: string;
  result: StepResult;
  startMs: number;
  endMs: number;
  durationMs: number;
  traceId: string;
  spanId: string;
  error: string | null;
  /** compensation-like op (compensate / cancel / rollback). */
  compensation: boolean;
  /**
   * An operator's repair: a span of this run carries saga.trigger=manual, or was
   * sent by sagascope, or lies below such a span (lib/saga/repair.ts).
   */
  manual: boolean;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Anomaly {
  kind: AnomalyKind;
  severity: Severity;
  /** Step display name concerned, when the anomaly is about one step. */
  step: string | null;
  message: string;
  spanIds: string[];
}

export interface ModelConfig {
  /** Evaluate time-dependent status at this instant (unix ms). */
  nowMs: number;
  /** Non-terminal with no new span for longer than this → stuck. Default 300000. */
  stuckAfterMs: number;
  /**
   * Incomplete compensation quiet for this long → failed, where nobody retries it
   * (a coordinator that retries, like DTM, is not given up on: see
   * lib/saga/protocol-rules.ts). Also: forward work done with no coordinator
   * span, quiet this long → committed. Default 60000.
   */
  failedGraceMs: number;
  /** Attempts of one (step, op) above this in a short window → retry_storm. Default 5. */
  maxAttempts: number;
  /** Names for sagas without `saga.name` (lib/saga/zero-code-name.ts); default none. */
  nameRules?: readonly SagaNameRule[];
}

/**
 * SAGASCOPE_SAGA_NAME_RULES: the first rule that matches names a saga that has
 * no `saga.name`. `gid` tests the saga id; `routePrefix` the route of a
 * zero-code saga's first branch; a rule with both needs both.
 */
export interface SagaNameRule {
  name: string;
  gid: RegExp | null;
  routePrefix: string | null;
}

/**
 * A clock-skew correction (lib/saga/clock-skew.ts): spans of `service`, called
 * from `relativeTo`, did not fit inside their callers and were moved by up to
 * `correctionMs` (positive: the service's clock runs behind).
 */
export interface ClockSkew {
  service: string;
  relativeTo: string;
  correctionMs: number;
  /** Spans whose own position was corrected (their children moved with them). */
  spans: number;
}

/** A timed transition the saga takes if no new span arrives. */
export interface PendingTransition {
  atMs: number;
  status: SagaStatus;
  anomalies: AnomalyKind[];
}

export interface Saga {
  id: string;
  name: string | null;
  protocol: Protocol;
  status: SagaStatus;
  /** First start of the saga's own spans (an operator's repair is not part of its run). */
  startMs: number;
  /** Last end of the saga's own spans. */
  lastEndMs: number;
  /** Set when status is terminal (committed / compensated / failed): lastEndMs. */
  endMs: number | null;
  /** lastEndMs − startMs: the saga's own run, whenever an operator repaired it. */
  durationMs: number;
  services: string[];
  traceIds: string[];
  /** One entry per (step, op, attempt), ordered by start time then step index. */
  steps: Step[];
  stepCount: number;
  spanCount: number;
  failedStep: string | null;
  compensationCount: number;
  /** The saga's own: null when it needed a repair to become consistent (see timeToRepairMs). */
  timeToConsistencyMs: number | null;
  /** End of the last successful manual step, when an operator's repair brought the saga to a good end. */
  repairedAtMs: number | null;
  /** repairedAtMs − the saga's own first forward failure (else the end of its own run). */
  timeToRepairMs: number | null;
  anomalies: Anomaly[];
  zeroCode: boolean;
  lastActivityMs: number;
  next: PendingTransition | null;
  /** Clock-skew corrections applied before anything was ordered; empty when none was needed. */
  clockSkew: ClockSkew[];
  /** Where the coordinator's own view was given (buildSaga's `coordinator`): what it disagrees with; else null. */
  coordinatorDivergences: CoordinatorDivergence[] | null;
}
