/**
 * One OTLP request body → span rows: decode, count against the request limit,
 * cut to the span limits. Pure and synchronous (bench:ingest:js times it
 * without I/O); its errors are ExportErrors.
 */
import { decodeProtobufRequest } from '../otlp/decode-protobuf';
import { decodeJsonRequest } from '../otlp/decode-json';
import { DecodeError, type DecodedRequest } from '../otlp/types';
import { toSpanRows, type SpanRow } from './span-row';
import { ExportError } from './errors';
import type { SpanLimits } from './limits';

export type Encoding = 'protobuf' | 'json';
export type RequestLimits = SpanLimits & { maxSpansPerRequest: number };

export interface RequestRows {
  rows: SpanRow[];
  /** Spans in the request, valid or not. */
  received: number;
  rejected: number;
  rejectReasons: string[];
  /** Spans stored cut down to the limits. */
  truncated: number;
}

function decode(body: Uint8Array, encoding: Encoding): DecodedRequest {
  try {
    return encoding === 'protobuf' ? decodeProtobufRequest(body) : decodeJsonRequest(body);
  } catch (err) {
    if (err instanceof DecodeError) throw new ExportError('invalid_argument', `cannot decode request: ${err.message}`);
    throw err;
  }
}

export function decodeRequestRows(body: Uint8Array, encoding: Encoding, limits: RequestLimits): RequestRows {
  const decoded = decode(body, encoding);
  const received = decoded.spans.length + decoded.rejected;
  if (received > limits.maxSpansPerRequest) {
    throw new ExportError('too_large', `${received} spans in one request; at most ${limits.maxSpansPerRequest} (send smaller batches)`);
  }
  const tally = { truncated: 0 };
  const rows = toSpanRows(decoded.spans, limits, tally);
  return { rows, received, rejected: decoded.rejected, rejectReasons: decoded.rejectReasons, truncated: tally.truncated };
}
