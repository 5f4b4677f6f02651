/**
 * A span as stored: the decoded FlatSpan plus its saga fields and service, with
 * attributes already serialised to JSON text. Built once per span at the edge,
 * so the write path only moves strings.
 */
import type { FlatSpan, Attributes } from '../otlp/types';
import type { SagaFields } from '../saga/types';
import { extractSagaFields } from '../saga/attributes';
import { cleanText, toJsonText } from './clean-text';

export interface SpanRow extends SagaFields {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  statusCode: number;
  statusMessage: string | null;
  scope: string | null;
  attributesJson: string;
  resourceJson: string;
  eventsJson: string | null;
}

const UNKNOWN_SERVICE = 'unknown_service';

function serviceOf(resource: Attributes): string {
  const name = resource['service.name'];
  return typeof name === 'string' && name.length > 0 ? cleanText(name) : UNKNOWN_SERVICE;
}

function cleanSagaFields(f: SagaFields): SagaFields {
  const c = (v: string | null) => (v === null ? null : cleanText(v));
  return {
    ...f,
    sagaId: c(f.sagaId),
    sagaName: c(f.sagaName),
    step: c(f.step),
    branchId: c(f.branchId),
    actionUrl: c(f.actionUrl),
    compensateUrl: c(f.compensateUrl),
    idempotencyKey: c(f.idempotencyKey),
  };
}

export function toSpanRows(spans: readonly FlatSpan[]): SpanRow[] {
  // Spans of one ResourceSpans share one resource object: serialise it once.
  const resourceJson = new Map<Attributes, { json: string; service: string }>();
  const rows = new Array<SpanRow>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    let res = resourceJson.get(s.resource);
    if (!res) {
      res = { json: toJsonText(s.resource), service: serviceOf(s.resource) };
      resourceJson.set(s.resource, res);
    }
    rows[i] = {
      ...cleanSagaFields(extractSagaFields(s)),
      traceId: s.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      service: res.service,
      name: cleanText(s.name),
      kind: s.kind,
      startMs: s.startMs,
      endMs: s.endMs,
      statusCode: s.statusCode,
      statusMessage: s.statusMessage === null ? null : cleanText(s.statusMessage),
      scope: s.scope === null ? null : cleanText(s.scope),
      attributesJson: toJsonText(s.attributes),
      resourceJson: res.json,
      eventsJson: s.events && s.events.length > 0 ? toJsonText(s.events) : null,
    };
  }
  return rows;
}
