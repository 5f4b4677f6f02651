/**
 * The model's values in the public API's JSON shapes (lib/api/types.ts,
 * DESIGN §5: times as ISO strings). A wire format written from the model for
 * API clients; the saga page does not go through it (it reads the SagaView).
 */
import type { Saga, SagaSpan, Step, Anomaly, ModelConfig } from '../saga/types';
import type { SagaSummary, StepJson, AnomalyJson, SagaDetail, AuditEntry } from '../api/types';
import { anomalyKinds } from '../saga/anomalies';
import { repairGuide, type RepairSuggestion } from '../actions/suggest';
import type { SagaView } from './view';

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
export function repairsToJson(saga: Saga, spans: readonly SagaSpan[], cfg: ModelConfig): Pick<SagaDetail, 'anomalies' | 'compensateSaga'> {
  const guide = repairGuide(saga, spans, { nowMs: cfg.nowMs, stuckAfterMs: cfg.stuckAfterMs, planIds: false });
  return { anomalies: saga.anomalies.map((a, i) => anomalyToJson(a, guide.repairs[i]!)), compensateSaga: guide.compensateSaga };
}

/** GET /api/sagas/{id}: the view's parts, its steps written as Step JSON. */
export function sagaDetailJson(view: SagaView, audit: AuditEntry[], keys: SagaDetail['keys'] = []): SagaDetail {
  return {
    saga: view.saga,
    steps: view.steps.map(stepToJson),
    anomalies: view.anomalies,
    compensateSaga: view.compensateSaga,
    clockSkew: view.clockSkew,
    modelledSpans: view.modelledSpans,
    traceIds: view.traceIds,
    audit,
    keys,
  };
}

/** A read's public JSON (GET /api/sagas/{id}); null stays null. */
export function detailJson(read: { view: SagaView; audit: AuditEntry[]; keys?: SagaDetail['keys'] } | null): SagaDetail | null {
  return read ? sagaDetailJson(read.view, read.audit, read.keys) : null;
}
