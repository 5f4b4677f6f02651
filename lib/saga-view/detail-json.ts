/**
 * The public JSON of a saga's detail (GET /api/sagas/{id}) from its view. Apart
 * from json.ts because the view is built with json.ts's converters: one file
 * holding both directions would be an import circle.
 */
import type { AuditEntry, SagaDetail } from '../api/types';
import { stepToJson } from './json';
import type { SagaView } from './view';

/** GET /api/sagas/{id}: the view's parts, its steps written as Step JSON. */
export function sagaDetailJson(view: SagaView, audit: AuditEntry[]): SagaDetail {
  return {
    saga: view.saga,
    steps: view.steps.map(stepToJson),
    anomalies: view.anomalies,
    compensateSaga: view.compensateSaga,
    clockSkew: view.clockSkew,
    modelledSpans: view.modelledSpans,
    traceIds: view.traceIds,
    audit,
  };
}

/** A read's public JSON (GET /api/sagas/{id}); null stays null. */
export function detailJson(read: { view: SagaView; audit: AuditEntry[] } | null): SagaDetail | null {
  return read ? sagaDetailJson(read.view, read.audit) : null;
}
