/**
 * ExportTraceServiceResponse (collector/trace/v1):
 *   partial_success = 1 { rejected_spans int64 = 1; error_message string = 2 }
 *
 * OTLP: a fully accepted request gets an empty response (no partial_success);
 * partial_success is sent when spans were rejected, or to carry a warning with
 * rejected_spans = 0.
 */
import protobuf from 'protobufjs/minimal';
import type { Long } from 'protobufjs/minimal';
import { DecodeError } from './types';

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export interface ExportResponse {
  partialSuccess: PartialSuccess | null;
}

function hasPartialSuccess(rejected: number, message: string): boolean {
  return rejected > 0 || message !== '';
}

export function encodeExportResponseProto(rejected: number, message: string): Uint8Array {
  if (!hasPartialSuccess(rejected, message)) return new Uint8Array(0);
  const writer = protobuf.Writer.create();
  writer.uint32(10).fork(); // partial_success = 1
  if (rejected > 0) writer.uint32(8).int64(rejected); // rejected_spans = 1
  if (message !== '') writer.uint32(18).string(message); // error_message = 2
  writer.ldelim();
  return writer.finish();
}

/** OTLP/JSON: lowerCamelCase keys, int64 as a decimal string (proto3 JSON mapping). */
export function encodeExportResponseJson(rejected: number, message: string): string {
  if (!hasPartialSuccess(rejected, message)) return '{}';
  const partialSuccess: { rejectedSpans?: string; errorMessage?: string } = {};
  if (rejected > 0) partialSuccess.rejectedSpans = String(rejected);
  if (message !== '') partialSuccess.errorMessage = message;
  return JSON.stringify({ partialSuccess });
}

/** The partial_success error_message for a decoded request: its first reasons, and how many more there were. */
export function rejectionMessage(rejected: number, reasons: readonly string[]): string {
  if (rejected === 0) return '';
  const more = rejected - reasons.length;
  return reasons.join('; ') + (more > 0 ? `; ${more} more span(s) rejected` : '');
}

export function decodeExportResponseProto(buf: Uint8Array): ExportResponse {
  try {
    const reader = protobuf.Reader.create(buf);
    let partialSuccess: PartialSuccess | null = null;
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      if (tag !== 10) {
        reader.skipType(tag & 7);
        continue;
      }
      partialSuccess ??= { rejectedSpans: 0, errorMessage: '' };
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) {
        const inner = reader.tag();
        if (inner === 8) partialSuccess.rejectedSpans = longToNumber(reader.int64());
        else if (inner === 18) partialSuccess.errorMessage = reader.string();
        else reader.skipType(inner & 7);
      }
      if (reader.pos !== end) throw new DecodeError('partial_success overruns its length');
    }
    return { partialSuccess };
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(`malformed ExportTraceServiceResponse: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** protobufjs returns a Long when the long package is loadable, a plain number otherwise. */
function longToNumber(value: number | Long): number {
  return typeof value === 'number' ? value : value.high * 4294967296 + (value.low >>> 0);
}
