/**
 * Flat span records: the one normalised shape every OTLP decoder (protobuf, JSON)
 * produces and everything downstream (saga attributes, storage, model) consumes.
 *
 * Guarantees relied on downstream:
 * - ids are lowercase hex (trace 32 chars, span 16 chars), never all-zero;
 *   parentSpanId is null for roots (empty or all-zero on the wire).
 * - times are unix epoch milliseconds as float (sub-microsecond precision is
 *   dropped; float64 keeps ~0.25 µs at today's epoch), endMs >= startMs.
 * - attributes hold span attributes only; resource attributes are in `resource`,
 *   one object shared (never mutated) by all spans of the same resource.
 */
export type AttrValue =
  | string
  | number
  | boolean
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

export type Attributes = Readonly<Record<string, AttrValue>>;

export interface SpanEvent {
  name: string;
  timeMs: number;
  attributes: Attributes;
}

export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startMs: number;
  endMs: number;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string | null;
  attributes: Attributes;
  resource: Attributes;
  /** Instrumentation scope name, if any. */
  scope: string | null;
  events: SpanEvent[] | null;
}

/** Result of decoding one ExportTraceServiceRequest. */
export interface DecodedRequest {
  spans: FlatSpan[];
  /** Spans present in the request but invalid (bad ids, bad times ...): not stored. */
  rejected: number;
  /** Human-readable reasons for the first few rejections (for partial_success.error_message). */
  rejectReasons: string[];
  /** Of the rejected, spans whose attribute values nest deeper than the depth budget (lib/otlp/decode-budget.ts). */
  tooDeep?: number;
}

/** Thrown when a request cannot be decoded at all (→ 400 / INVALID_ARGUMENT). */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}
