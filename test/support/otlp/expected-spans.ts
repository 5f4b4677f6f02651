/**
 * What the decoders must produce for an SDK span, computed independently of the
 * decoder code (BigInt time arithmetic, the SDK's own view of the span).
 */
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttrValue, Attributes, FlatSpan } from '../../../lib/otlp/types';

/** HrTime → epoch ms with whole microseconds, rounding half up (the FlatSpan contract). */
export function hrTimeToMs([seconds, nanos]: HrTime): number {
  const totalNanos = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  return Number((totalNanos + 500n) / 1000n) / 1000;
}

/** SDK attribute values → decoded form: int64 outside the safe range comes back as a decimal string. */
export function expectedValue(value: unknown): AttrValue {
  if (Array.isArray(value)) return value.map(expectedValue);
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) return BigInt(value).toString();
  if (value === undefined) return null;
  return value as AttrValue;
}

export function expectedAttributes(attributes: Record<string, unknown> | undefined): Attributes {
  const out: Record<string, AttrValue> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) out[key] = expectedValue(value);
  return out;
}

export function expectedFlatSpan(span: ReadableSpan): FlatSpan {
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: span.kind + 1, // OTLP reserves 0 for "unspecified"
    startMs: hrTimeToMs(span.startTime),
    endMs: hrTimeToMs(span.endTime),
    statusCode: span.status.code,
    statusMessage: span.status.message || null,
    attributes: expectedAttributes(span.attributes),
    resource: expectedAttributes(span.resource.attributes),
    scope: span.instrumentationScope.name,
    events:
      span.events.length === 0
        ? null
        : span.events.map((event) => ({
            name: event.name,
            timeMs: hrTimeToMs(event.time),
            attributes: expectedAttributes(event.attributes),
          })),
  };
}
