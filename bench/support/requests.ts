/**
 * The ingest benches' traffic as OTLP/protobuf request bodies: bench/saga-generator.ts
 * sagas (seed 7, 10 % failing) cut into requests of `perRequest` spans.
 */
import { generateSagas } from '../saga-generator';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';

export function benchRequests(minSpans: number, perRequest = 1_000): { spans: number; requests: Uint8Array[] } {
  const { spans } = generateSagas({ minSpans, failRate: 0.1, seed: 7, startMs: Date.now() - 3_600_000 });
  const requests: Uint8Array[] = [];
  for (let i = 0; i < spans.length; i += perRequest) requests.push(encodeProtobufRequest(spans.slice(i, i + perRequest)));
  return { spans: spans.length, requests };
}
