/**
 * JSON shapes of the public HTTP API (DESIGN.md §5). Times are ISO-8601 strings,
 * durations float milliseconds. The UI's server components receive the same
 * shapes from lib/db/read.ts, so a page and its API route never disagree.
 */
import type { AnomalyKind, ClockSkew, Protocol, SagaStatus, Severity, StepResult, Op } from '../saga/types';
import type { AuditEntry } from '../audit/types';
import type { ActionKind } from '../actions/plan-types';

export type { ActionKind, ActionPlan, PlannedCall } from '../actions/plan-types';
export type { CallResult, CallOutcome } from '../actions/execute';
export type { ActionResponse, BatchItemOutcome, BatchActionItem, BatchActionResponse } from '../actions/types';
export type { AuditEntry, AuditPage } from '../audit/types';
export type { AlertRuleJson, AlertDeliveryJson, AlertDeliveryPage } from '../alerts/types';
export type { UserJson, ApiTokenJson } from '../auth/account-types';

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
}

export interface SagaList {
  items: SagaSummary[];
  nextCursor: string | null;
  /** The page of newer sagas before this one ("Previous page"); null on the first page. */
  prevCursor: string | null;
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

