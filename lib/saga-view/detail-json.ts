/**
 * The public JSON of a saga's detail (GET /api/sagas/{id}) from its view. Apart
 * from json.ts, whose converters the view itself uses, so the two do not import
 * each other.
 */
import type { AuditEntry, SagaDetail } from '../api/types';
import type { SagaView } from './view';
import { stepToJson } from './json';

/** GET /api/sagas/{id}: the view's parts, its steps written as Step JSON. */
export function sagaDetailJson(view: SagaView, audit: AuditEntry[], keys: SagaDetail['keys'] = []): SagaDetail {
  return {
    saga: view.saga,
    steps: view.steps.map(stepToJson),
    anomalies: view.anomalies,
    compensateSaga: view.compensateSaga,
    clockSkew: view.clockSkew,
    modelledSpans: view.modelledSpans,
    coordinator: view.coordinator,
    traceIds: view.traceIds,
    audit,
    keys,
  };
}

/** A read's public JSON (GET /api/sagas/{id}); null stays null. */
export function detailJson(read: { view: SagaView; audit: AuditEntry[]; keys?: SagaDetail['keys'] } | null): SagaDetail | null {
  return read ? sagaDetailJson(read.view, read.audit, read.keys) : null;
}
