/**
 * The properties hostile input must not break, one per target. Each returns
 * normally or throws an assertion error naming what went wrong; the fuzz runner
 * (test/fuzz/run.ts) and the unit test drive them with fast-check.
 */
import { decodeProtobufRequest } from '../otlp/decode-protobuf';
import { decodeJsonRequest } from '../otlp/decode-json';
import { encodeProtobufRequest } from '../otlp/encode-protobuf';
import { DecodeError, type DecodedRequest, type FlatSpan } from '../otlp/types';
import { toSpanRows } from '../ingest/span-row';
import { buildSaga } from '../saga/model';
import { modelConfig } from '../saga/config';
import { SAGA_STATUSES, type SagaSpan } from '../saga/types';
import { contributionOf, decodeContribution, encodeContribution } from '../stats/contribution';
import { applyDamage, type Damage } from './arbitraries';

export class PropertyViolation extends Error {}
const must = (ok: boolean, what: string) => {
  if (!ok) throw new PropertyViolation(what);
};

/** Decoding ends in a result or a DecodeError (→ 400 / INVALID_ARGUMENT), and a result is sane and storable. */
function decodedOrRefused(decode: () => DecodedRequest, inputBytes: number): 'decoded' | 'refused' {
  let r: DecodedRequest;
  try {
    r = decode();
  } catch (err) {
    must(err instanceof DecodeError, `threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    return 'refused';
  }
  must(r.rejected >= 0 && r.spans.length + r.rejected <= inputBytes + 1, 'span count out of proportion to the input');
  for (const s of r.spans) {
    must(/^[0-9a-f]{32}$/.test(s.traceId) && /^[0-9a-f]{16}$/.test(s.spanId), 'bad ids passed validation');
    must(Number.isFinite(s.startMs) && s.endMs >= s.startMs, 'bad times passed validation');
  }
  toSpanRows(r.spans); // what the collector does next must not throw either
  return 'decoded';
}

export function protobufRoundTrip(spans: FlatSpan[]): void {
  const r = decodeProtobufRequest(encodeProtobufRequest(spans));
  must(r.spans.length + r.rejected === spans.length, 'valid encoding lost spans');
}

export function damagedProtobuf(spans: FlatSpan[], ops: Damage): 'decoded' | 'refused' {
  const bytes = applyDamage(encodeProtobufRequest(spans), ops);
  return decodedOrRefused(() => decodeProtobufRequest(bytes), bytes.length);
}

export function randomProtobuf(bytes: Uint8Array): 'decoded' | 'refused' {
  return decodedOrRefused(() => decodeProtobufRequest(bytes), bytes.length);
}

export function damagedJson(json: string, ops: Damage): 'decoded' | 'refused' {
  const bytes = applyDamage(new TextEncoder().encode(json), ops);
  return decodedOrRefused(() => decodeJsonRequest(bytes), bytes.length);
}

export function anyJson(value: unknown): 'decoded' | 'refused' {
  const text = JSON.stringify(value) ?? 'null';
  return decodedOrRefused(() => decodeJsonRequest(text), text.length);
}

const CFG = modelConfig({ nowMs: 1_000_000 });

export function sagaModel(spans: SagaSpan[]): void {
  const saga = buildSaga('g', spans, CFG);
  must(SAGA_STATUSES.includes(saga.status), `status ${saga.status}`);
  must(saga.steps.length <= spans.length, 'more steps than spans');
  must(Number.isFinite(saga.durationMs), 'duration not finite');
  const c = contributionOf(saga, spans);
  must(JSON.stringify(decodeContribution(encodeContribution(c))) === JSON.stringify(c), 'contribution does not round-trip');
}
