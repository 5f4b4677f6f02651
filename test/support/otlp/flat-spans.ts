/** Hand-made FlatSpans and their OTLP/JSON form, for tests that need exact control over each field. */
import type { AttrValue, Attributes, FlatSpan } from '../../../lib/otlp/types';

export const RESOURCE: Attributes = Object.freeze({ 'service.name': 'inventory' });

export function flatSpan(overrides: Partial<FlatSpan> = {}): FlatSpan {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    name: 'POST /api/inventory/reserve',
    kind: 2,
    startMs: 1767225600000.123,
    endMs: 1767225600042.5,
    statusCode: 0,
    statusMessage: null,
    attributes: { 'http.request.method': 'POST' },
    resource: RESOURCE,
    scope: 'test-scope',
    events: null,
    ...overrides,
  };
}

/** Spans with distinct span ids, so a test can tell which ones survived. */
export function numberedSpans(count: number, overrides: Partial<FlatSpan> = {}): FlatSpan[] {
  return Array.from({ length: count }, (_, i) =>
    flatSpan({ spanId: (i + 1).toString(16).padStart(16, '0'), ...overrides }),
  );
}

/** A JSON-mapping-conformant ExportTraceServiceRequest for the given spans (one resource, one scope each). */
export function toOtlpJson(spans: readonly FlatSpan[]): { resourceSpans: object[] } {
  return {
    resourceSpans: spans.map((span) => ({
      resource: { attributes: keyValues(span.resource) },
      scopeSpans: [
        {
          ...(span.scope === null ? {} : { scope: { name: span.scope } }),
          spans: [
            {
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId === null ? {} : { parentSpanId: span.parentSpanId }),
              name: span.name,
              kind: span.kind,
              startTimeUnixNano: msToNanosString(span.startMs),
              endTimeUnixNano: msToNanosString(span.endMs),
              attributes: keyValues(span.attributes),
              events: (span.events ?? []).map((event) => ({
                timeUnixNano: msToNanosString(event.timeMs),
                name: event.name,
                attributes: keyValues(event.attributes),
              })),
              status: { code: span.statusCode, ...(span.statusMessage === null ? {} : { message: span.statusMessage }) },
            },
          ],
        },
      ],
    })),
  };
}

function msToNanosString(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

function keyValues(attributes: Attributes): object[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

function anyValue(value: AttrValue): object {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: keyValues(value) } };
}
