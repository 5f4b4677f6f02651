/**
 * FlatSpan[] → OTLP/protobuf ExportTraceServiceRequest, the inverse of
 * decodeProtobufRequest: decode(encode(spans)) deep-equals spans for any spans
 * the decoders produce. Used by tests and by the ingest benchmark.
 *
 * Spans are grouped into ResourceSpans by resource object identity (the decoders
 * share one object per resource) and into ScopeSpans by scope name. Nothing is
 * validated, so tests can also build payloads with invalid ids or times.
 */
import protobuf from 'protobufjs/minimal';
import type { Writer } from 'protobufjs/minimal';
import type { AttrValue, Attributes, FlatSpan, SpanEvent } from './types';
import { EMPTY_ATTRIBUTES, hexToBytes, msToNanosParts } from './wire-conversions';

export function encodeProtobufRequest(spans: readonly FlatSpan[]): Uint8Array {
  const writer = protobuf.Writer.create();
  for (const [resource, byScope] of groupSpans(spans)) {
    writer.uint32(10).fork(); // resource_spans = 1
    if (resource !== EMPTY_ATTRIBUTES) {
      writer.uint32(10).fork(); // resource = 1
      writeAttributes(writer, 10, resource); // attributes = 1
      writer.ldelim();
    }
    for (const [scope, scopeSpans] of byScope) {
      writer.uint32(18).fork(); // scope_spans = 2
      if (scope !== null) writer.uint32(10).fork().uint32(10).string(scope).ldelim(); // scope = 1 { name = 1 }
      for (const span of scopeSpans) {
        writer.uint32(18).fork(); // spans = 2
        writeSpan(writer, span);
        writer.ldelim();
      }
      writer.ldelim();
    }
    writer.ldelim();
  }
  return writer.finish();
}

function groupSpans(spans: readonly FlatSpan[]): Map<Attributes, Map<string | null, FlatSpan[]>> {
  const byResource = new Map<Attributes, Map<string | null, FlatSpan[]>>();
  for (const span of spans) {
    let byScope = byResource.get(span.resource);
    if (!byScope) byResource.set(span.resource, (byScope = new Map()));
    let group = byScope.get(span.scope);
    if (!group) byScope.set(span.scope, (group = []));
    group.push(span);
  }
  return byResource;
}

function writeSpan(writer: Writer, span: FlatSpan): void {
  if (span.traceId !== '') writer.uint32(10).bytes(hexToBytes(span.traceId)); // trace_id = 1
  if (span.spanId !== '') writer.uint32(18).bytes(hexToBytes(span.spanId)); // span_id = 2
  if (span.parentSpanId !== null) writer.uint32(34).bytes(hexToBytes(span.parentSpanId)); // parent_span_id = 4
  if (span.name !== '') writer.uint32(42).string(span.name); // name = 5
  if (span.kind !== 0) writer.uint32(48).uint32(span.kind); // kind = 6
  writeNanos(writer.uint32(57), span.startMs); // start_time_unix_nano = 7
  writeNanos(writer.uint32(65), span.endMs); // end_time_unix_nano = 8
  writeAttributes(writer, 74, span.attributes); // attributes = 9
  for (const event of span.events ?? []) {
    writer.uint32(90).fork(); // events = 11
    writeEvent(writer, event);
    writer.ldelim();
  }
  if (span.statusCode !== 0 || span.statusMessage !== null) {
    writer.uint32(122).fork(); // status = 15
    if (span.statusMessage !== null) writer.uint32(18).string(span.statusMessage); // message = 2
    if (span.statusCode !== 0) writer.uint32(24).uint32(span.statusCode); // code = 3
    writer.ldelim();
  }
}

function writeEvent(writer: Writer, event: SpanEvent): void {
  writeNanos(writer.uint32(9), event.timeMs); // time_unix_nano = 1
  if (event.name !== '') writer.uint32(18).string(event.name); // name = 2
  writeAttributes(writer, 26, event.attributes); // attributes = 3
}

/** fixed64 as two little-endian uint32 halves: exact where a JS number of nanoseconds would not be. */
function writeNanos(writer: Writer, ms: number): void {
  const [lo, hi] = msToNanosParts(ms);
  writer.fixed32(lo).fixed32(hi);
}

/** Repeated KeyValue under the given tag. */
function writeAttributes(writer: Writer, tag: number, attributes: Readonly<Record<string, AttrValue>>): void {
  for (const key of Object.keys(attributes)) {
    writer.uint32(tag).fork();
    writeKeyValue(writer, key, attributes[key]);
    writer.ldelim();
  }
}

function writeKeyValue(writer: Writer, key: string, value: AttrValue): void {
  writer.uint32(10).string(key); // key = 1
  writer.uint32(18).fork(); // value = 2
  writeAnyValue(writer, value);
  writer.ldelim();
}

/** null is an empty AnyValue, which decodes back to null. */
function writeAnyValue(writer: Writer, value: AttrValue): void {
  if (typeof value === 'string') writer.uint32(10).string(value); // string_value = 1
  else if (typeof value === 'boolean') writer.uint32(16).bool(value); // bool_value = 2
  else if (typeof value === 'number') {
    // int_value only when it decodes back to the same number (-0 would come back as 0)
    if (Number.isSafeInteger(value) && !Object.is(value, -0)) writer.uint32(24).int64(value); // int_value = 3
    else writer.uint32(33).double(value); // double_value = 4
  } else if (Array.isArray(value)) {
    writer.uint32(42).fork(); // array_value = 5
    for (const item of value) {
      writer.uint32(10).fork(); // values = 1
      writeAnyValue(writer, item);
      writer.ldelim();
    }
    writer.ldelim();
  } else if (value !== null) {
    writer.uint32(50).fork(); // kvlist_value = 6
    writeAttributes(writer, 10, value); // values = 1
    writer.ldelim();
  }
}
