/**
 * FlatSpan[] → OTLP/JSON ExportTraceServiceRequest (the trace download).
 *
 * Follows the OTLP/JSON rules of opentelemetry-proto's specification ("JSON
 * Protobuf Encoding"): lowerCamelCase keys, trace/span ids as hex strings,
 * enums as integers, 64-bit integers (times in nanoseconds, intValue) as
 * decimal strings. The output is what decodeJsonRequest reads back to the same
 * FlatSpans, so a downloaded trace re-ingests into any OTLP/HTTP endpoint,
 * sagascope's own collector included.
 *
 * Stored attribute values have lost their protobuf type (the decoders keep
 * plain JSON values): integers go out as intValue, other numbers as
 * doubleValue, objects as kvlistValue, null as an empty AnyValue. Each of those
 * decodes back to the same stored value.
 */
import type { AttrValue, Attributes, FlatSpan, SpanEvent } from './types';

export interface OtlpJsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number | string;
  arrayValue?: { values: OtlpJsonAnyValue[] };
  kvlistValue?: { values: OtlpJsonKeyValue[] };
}
export interface OtlpJsonKeyValue {
  key: string;
  value: OtlpJsonAnyValue;
}
export interface OtlpJsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpJsonKeyValue[];
  events?: { timeUnixNano: string; name: string; attributes: OtlpJsonKeyValue[] }[];
  status: { code: number; message?: string };
}
export interface OtlpJsonRequest {
  resourceSpans: {
    resource: { attributes: OtlpJsonKeyValue[] };
    scopeSpans: { scope?: { name: string }; spans: OtlpJsonSpan[] }[];
  }[];
}

/**
 * Epoch ms (whole microseconds, as the decoders produce) → decimal nanoseconds.
 * Same neighbour correction as msToNanosParts: far in the future, ms * 1000 can
 * land one µs off.
 */
export function msToNanosString(ms: number): string {
  let us = Math.round(ms * 1000);
  if (us / 1000 !== ms) us = (us - 1) / 1000 === ms ? us - 1 : (us + 1) / 1000 === ms ? us + 1 : us;
  return us === 0 ? '0' : `${us}000`;
}

export function anyValueJson(v: AttrValue): OtlpJsonAnyValue {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { intValue: String(v) };
    // proto3 JSON writes the non-finite doubles as strings.
    if (!Number.isFinite(v)) return { doubleValue: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
    return { doubleValue: v };
  }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValueJson) } };
  return { kvlistValue: { values: keyValuesJson(v) } };
}

export function keyValuesJson(attrs: Attributes): OtlpJsonKeyValue[] {
  return Object.entries(attrs).map(([key, value]) => ({ key, value: anyValueJson(value) }));
}

function eventJson(e: SpanEvent) {
  return { timeUnixNano: msToNanosString(e.timeMs), name: e.name, attributes: keyValuesJson(e.attributes) };
}

export function spanJson(s: FlatSpan): OtlpJsonSpan {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId !== null ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: msToNanosString(s.startMs),
    endTimeUnixNano: msToNanosString(s.endMs),
    attributes: keyValuesJson(s.attributes),
    ...(s.events && s.events.length > 0 ? { events: s.events.map(eventJson) } : {}),
    status: { code: s.statusCode, ...(s.statusMessage !== null ? { message: s.statusMessage } : {}) },
  };
}

/**
 * Spans grouped into ResourceSpans by resource object identity (callers share one
 * object per resource, as the decoders do) and into ScopeSpans by scope name,
 * in first-seen order.
 */
export function encodeJsonRequest(spans: readonly FlatSpan[]): OtlpJsonRequest {
  const byResource = new Map<Attributes, Map<string | null, OtlpJsonSpan[]>>();
  for (const s of spans) {
    let byScope = byResource.get(s.resource);
    if (!byScope) byResource.set(s.resource, (byScope = new Map()));
    let list = byScope.get(s.scope);
    if (!list) byScope.set(s.scope, (list = []));
    list.push(spanJson(s));
  }
  return {
    resourceSpans: [...byResource].map(([resource, byScope]) => ({
      resource: { attributes: keyValuesJson(resource) },
      scopeSpans: [...byScope].map(([scope, list]) => ({ ...(scope !== null ? { scope: { name: scope } } : {}), spans: list })),
    })),
  };
}
