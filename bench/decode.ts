/**
 * Decode throughput of the OTLP edge (not a test): 1,000-span batches as the
 * official OpenTelemetry JS serializers produce them.
 *   npx tsx bench/decode.ts
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeJsonRequest } from '../lib/otlp/decode-json';
import { decodeProtobufRequest } from '../lib/otlp/decode-protobuf';
import { ingestBatch } from '../test/support/otlp/sdk-spans';
import type { DecodedRequest } from '../lib/otlp/types';

const SPANS_PER_BATCH = 1_000;
const BATCHES = 20;
const MIN_MEASURE_MS = 2_000;

function serialize(serializer: { serializeRequest(spans: ReturnType<typeof ingestBatch>): Uint8Array | undefined }) {
  return Array.from({ length: BATCHES }, (_, n) => {
    const bytes = serializer.serializeRequest(ingestBatch(SPANS_PER_BATCH, n));
    if (!bytes) throw new Error('serializer produced nothing');
    // The collector receives Node Buffers from its HTTP and gRPC servers.
    return Buffer.from(bytes);
  });
}

function measure(label: string, payloads: Buffer[], decode: (payload: Buffer) => DecodedRequest): void {
  // Warm up so the figure reflects optimised code, as in a long-running collector.
  for (let i = 0; i < 3; i++) for (const payload of payloads) check(decode(payload));
  let spans = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MEASURE_MS) {
    for (const payload of payloads) spans += check(decode(payload)).spans.length;
    elapsed = performance.now() - started;
  }
  const kb = payloads.reduce((sum, p) => sum + p.length, 0) / payloads.length / 1024;
  console.log(`${label.padEnd(9)} ${Math.round(spans / (elapsed / 1000)).toLocaleString('en-US').padStart(10)} spans/s  (${kb.toFixed(0)} KB per ${SPANS_PER_BATCH}-span batch)`);
}

function check(result: DecodedRequest): DecodedRequest {
  if (result.rejected !== 0 || result.spans.length !== SPANS_PER_BATCH) throw new Error('benchmark payload did not decode cleanly');
  return result;
}

measure('protobuf', serialize(ProtobufTraceSerializer), decodeProtobufRequest);
measure('json', serialize(JsonTraceSerializer), decodeJsonRequest);
