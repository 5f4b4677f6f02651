/**
 * JSON shapes of the public HTTP API (DESIGN.md §5). Times are ISO-8601 strings,
 * durations float milliseconds. The UI's server components receive the same
 * shapes from lib/db/read.ts, so a page and its API route never disagree.
 */
import type { AnomalyKind, Protocol, SagaStatus, Severity, StepResult, Op } from '../saga/types';

export interface SagaSummary {
  id: string;
  name: string | null;
  protocol: Protocol;
  status: SagaStatus;
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  services: string[];
  stepCount: number;
  failedStep: string | null;
  compensationCount: number;
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
}

export interface AnomalyJson {
  kind: AnomalyKind;
  severity: Severity;
  step: string | null;
  message: string;
  spanIds: string[];
}

/** Manual-action audit entries (filled by the operate/audit issue; empty until then). */
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  sagaId: string | null;
  step: string | null;
  outcome: string;
  reason: string | null;
}

export interface SagaDetail {
  saga: SagaSummary;
  steps: StepJson[];
  anomalies: AnomalyJson[];
  traceIds: string[];
  audit: AuditEntry[];
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
