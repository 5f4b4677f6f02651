/** Domain values → the API's JSON shapes (lib/api/types.ts). */
import type { CoordinatorFacts } from '../actions/safety';
import type { Saga, SagaSpan, Step, Anomaly, AnomalyKind, ModelConfig, Protocol, SagaStatus } from '../saga/types';
import type { SagaSummary, StepJson, AnomalyJson, SagaDetail } from '../api/types';
import { anomalyKinds } from '../saga/anomalies';
import { isTerminalStatus } from '../saga/ops';
import { applyPendingTransition, pendingTransitionFromColumns } from '../saga/transition';
import { repairGuide, type RepairSuggestion } from '../actions/suggest';

const iso = (ms: number) => new Date(ms).toISOString();

export function sagaToSummaryJson(s: Saga): SagaSummary {
  return {
    id: s.id,
    name: s.name,
    protocol: s.protocol,
    status: s.status,
    startedAt: iso(s.startMs),
    endedAt: s.endMs === null ? null : iso(s.endMs),
    durationMs: s.durationMs,
    services: s.services,
    stepCount: s.stepCount,
    failedStep: s.failedStep,
    compensationCount: s.compensationCount,
    timeToConsistencyMs: s.timeToConsistencyMs,
    repairedAt: s.repairedAtMs === null ? null : iso(s.repairedAtMs),
    timeToRepairMs: s.timeToRepairMs,
    anomalies: anomalyKinds(s.anomalies),
  };
}

export function stepToJson(s: Step): StepJson {
  return {
    step: s.step,
    index: s.index,
    op: s.op,
    attempt: s.attempt,
    service: s.service,
    result: s.result,
    startedAt: iso(s.startMs),
    endedAt: iso(s.endMs),
    durationMs: s.durationMs,
    traceId: s.traceId,
    spanId: s.spanId,
    error: s.error,
    manual: s.manual,
  };
}

export function anomalyToJson(a: Anomaly, repair: RepairSuggestion): AnomalyJson {
  return { kind: a.kind, severity: a.severity, step: a.step, message: a.message, spanIds: a.spanIds, ...repair };
}

/** The saga's anomalies, each with its guided repair, and whether "Compensate saga" may be offered (the same planner and safety rules as a preview). */
export function repairsToJson(
  saga: Saga, spans: readonly SagaSpan[], cfg: ModelConfig, coordinator: CoordinatorFacts | null = null,
): Pick<SagaDetail, 'anomalies' | 'compensateSaga'> {
  const guide = repairGuide(saga, spans, { nowMs: cfg.nowMs, stuckAfterMs: cfg.stuckAfterMs, planIds: false, coordinator });
  return { anomalies: saga.anomalies.map((a, i) => anomalyToJson(a, guide.repairs[i]!)), compensateSaga: guide.compensateSaga };
}

/** A stored summary row (Prisma model) with its pending transition applied at `now`. */
export interface SagaRow {
  id: string;
  name: string | null;
  protocol: string;
  status: string;
  statusAfter: string | null;
  statusChangesAt: Date | null;
  anomalies: string[];
  anomaliesAfter: string[];
  startedAt: Date;
  lastSpanEndAt: Date;
  durationMs: number;
  services: string[];
  stepCount: number;
  failedStep: string | null;
  compensationCount: number;
  timeToConsistencyMs: number | null;
  repairedAt: Date | null;
  timeToRepairMs: number | null;
}

export function sagaRowToSummaryJson(row: SagaRow, nowMs: number): SagaSummary {
  const { status, anomalies } = applyPendingTransition(
    {
      status: row.status as SagaStatus,
      anomalies: row.anomalies as AnomalyKind[],
      next: pendingTransitionFromColumns(row.statusAfter as SagaStatus | null, row.statusChangesAt, row.anomaliesAfter as AnomalyKind[]),
    },
    nowMs,
  );
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol as Protocol,
    status,
    startedAt: row.startedAt.toISOString(),
    endedAt: isTerminalStatus(status) ? row.lastSpanEndAt.toISOString() : null,
    durationMs: row.durationMs,
    services: row.services,
    stepCount: row.stepCount,
    failedStep: row.failedStep,
    compensationCount: row.compensationCount,
    timeToConsistencyMs: row.timeToConsistencyMs,
    repairedAt: row.repairedAt === null ? null : row.repairedAt.toISOString(),
    timeToRepairMs: row.timeToRepairMs,
    anomalies: [...anomalies],
  };
}
