/**
 * JSON shapes of the public HTTP API (DESIGN.md §5). Times are ISO-8601 strings,
 * durations float milliseconds. The UI's server components receive the same
 * shapes from lib/db/read.ts, so a page and its API route never disagree.
 */
import type { AnomalyKind, ClockSkew, Protocol, SagaStatus, Severity, StepResult, Op } from '../saga/types';
import type { ActionKind, ActionPlan } from '../actions/plan';
import type { CallResult } from '../actions/execute';

export type { ActionKind, ActionPlan, PlannedCall } from '../actions/plan';
export type { CallResult, CallOutcome } from '../actions/execute';

export interface SagaSummary {
  id: string;
  name: string | null;
  protocol: Protocol;
  status: SagaStatus;
  /** Start, end and duration of the saga's own run: an operator's repair is not part of it. */
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  services: string[];
  stepCount: number;
  failedStep: string | null;
  compensationCount: number;
  /** First forward failure → last successful compensation, when the saga's own steps compensated it. */
  timeToConsistencyMs: number | null;
  /** When an operator's repair (manual steps) brought the saga to a good end; null when none did. */
  repairedAt: string | null;
  /** repairedAt − the saga's own first forward failure (else the end of its own run). */
  timeToRepairMs: number | null;
  anomalies: AnomalyKind[];
}

export interface StepJson {
  step: string;
  index: number;
  op: Op;
  attempt: number;
  service: string;
  result: StepResult;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  traceId: string;
  spanId: string;
  error: string | null;
  /** An operator ran this attempt by hand from sagascope (saga.trigger=manual). */
  manual: boolean;
}

export interface AnomalyJson {
  kind: AnomalyKind;
  severity: Severity;
  step: string | null;
  message: string;
  spanIds: string[];
  /** The manual action that repairs it (lib/actions/suggest.ts), or null when none applies. */
  suggestedAction: { action: ActionKind; step: string | null; op: Op } | null;
  /** What the suggested action does, or why no action applies. */
  suggestion: string;
}

/**
 * One audit-trail entry (lib/db/audit.ts). `id` is `seq` as a string. `hash` =
 * SHA-256 over the canonical encoding of every other field (lib/audit/chain.ts),
 * `prevHash` the previous entry's hash.
 */
export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor: string;
  role: string;
  /** How the actor was authenticated: session | token | cli | setup | password | anonymous | system. */
  via: string;
  action: string;
  sagaId: string | null;
  step: string | null;
  /** What was asked (JSON). */
  request: unknown;
  /** What came out (JSON): an export manifest, an HTTP status… */
  result: unknown;
  outcome: string;
  reason: string | null;
  /** seq of the entry this one completes (an action's outcome → its intent). */
  ref: number | null;
  prevHash: string;
  hash: string;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface SagaDetail {
  saga: SagaSummary;
  steps: StepJson[];
  anomalies: AnomalyJson[];
  /** "Compensate saga" under the safety rules now (lib/actions/safety.ts): its refusal, or null when it may be previewed. */
  compensateSaga: { refusal: string | null; overridable: boolean };
  /** Clock-skew corrections the model applied (lib/saga/clock-skew.ts); times in `steps` are corrected. */
  clockSkew: ClockSkew[];
  /** Set when the saga is over the size limit: the model covers its first `modelled` spans (SAGASCOPE_MAX_SAGA_SPANS). */
  modelledSpans: { modelled: number; stored: number } | null;
  traceIds: string[];
  audit: AuditEntry[];
  /** Business keys (lib/search/keys.ts), by name then value; at most 200. */
  keys: { name: string; value: string }[];
}

export interface SagaList {
  items: SagaSummary[];
  nextCursor: string | null;
}

export interface SpanJson {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  sagaId: string | null;
  service: string;
  name: string;
  kind: number;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  statusCode: number;
  statusMessage: string | null;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  events: unknown[] | null;
}

export interface TraceJson {
  traceId: string;
  spans: SpanJson[];
}

/** A user as the admin API shows it (never the password hash). */
export interface UserJson {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'auditor' | 'admin';
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

/** An API token as the admin API shows it (never the secret, which is shown once at creation). */
export interface ApiTokenJson {
  id: string;
  name: string;
  role: 'viewer' | 'operator' | 'auditor' | 'admin';
  /** First characters of the token, to tell tokens apart. */
  prefix: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

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

/** An alert rule as the admin API shows it (never its signing secret, which is shown once). */
export interface AlertRuleJson {
  id: string;
  name: string;
  kind: 'status' | 'anomaly' | 'failure_rate';
  enabled: boolean;
  sagaName: string | null;
  statuses: string[];
  anomalies: string[];
  threshold: number | null;
  windowMinutes: number | null;
  minSagas: number | null;
  webhookUrl: string;
  /** failure_rate: an episode is in progress since firingSince. */
  firing: boolean;
  firingSince: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** One webhook delivery (GET /api/admin/alerts/deliveries). */
export interface AlertDeliveryJson {
  id: string;
  ruleId: string;
  ruleName: string;
  event: string;
  sagaId: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface AlertDeliveryPage {
  items: AlertDeliveryJson[];
  nextCursor: string | null;
}
