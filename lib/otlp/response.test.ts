import { describe, expect, it } from 'vitest';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  decodeExportResponseProto,
  encodeExportResponseJson,
  encodeExportResponseProto,
  rejectionMessage,
} from './response';
import { DecodeError } from './types';

describe('ExportTraceServiceResponse encoding', () => {
  it('sends an empty message when everything was accepted', () => {
    expect(encodeExportResponseProto(0, '')).toHaveLength(0);
    expect(encodeExportResponseJson(0, '')).toBe('{}');
    expect(decodeExportResponseProto(encodeExportResponseProto(0, ''))).toEqual({ partialSuccess: null });
  });

  it.each([
    [3, 'span 1: start time is 0'],
    [1, ''],
    [0, 'warning: clock skew'],
    [2 ** 40, 'many'],
    [2, 'ünïcödé ✓'],
  ])('round-trips partial_success(%i, %j) through protobuf', (rejected, message) => {
    expect(decodeExportResponseProto(encodeExportResponseProto(rejected, message))).toEqual({
      partialSuccess: { rejectedSpans: rejected, errorMessage: message },
    });
  });

  it('is understood by the OpenTelemetry JS exporters (protobuf and JSON)', () => {
    expect(ProtobufTraceSerializer.deserializeResponse(encodeExportResponseProto(3, 'bad ids'))).toEqual({
      partialSuccess: { rejectedSpans: 3, errorMessage: 'bad ids' },
    });
    expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(encodeExportResponseJson(3, 'bad ids')))).toEqual({
      partialSuccess: { rejectedSpans: '3', errorMessage: 'bad ids' },
    });
  });

  it('writes the OTLP/JSON mapping: lowerCamelCase keys, int64 as a string, defaults omitted', () => {
    expect(JSON.parse(encodeExportResponseJson(3, 'x'))).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: 'x' } });
    expect(JSON.parse(encodeExportResponseJson(0, 'warn'))).toEqual({ partialSuccess: { errorMessage: 'warn' } });
    expect(JSON.parse(encodeExportResponseJson(4, ''))).toEqual({ partialSuccess: { rejectedSpans: '4' } });
  });

  it('skips unknown fields and rejects garbage when decoding', () => {
    const withUnknown = Uint8Array.of((9 << 3) | 0, 1, ...encodeExportResponseProto(2, 'm'));
    expect(decodeExportResponseProto(withUnknown).partialSuccess).toEqual({ rejectedSpans: 2, errorMessage: 'm' });
    expect(() => decodeExportResponseProto(Uint8Array.of(10, 9, 8))).toThrow(DecodeError);
  });

  it('summarises rejection reasons, saying how many were left out', () => {
    expect(rejectionMessage(0, [])).toBe('');
    expect(rejectionMessage(2, ['span 0: a', 'span 1: b'])).toBe('span 0: a; span 1: b');
    expect(rejectionMessage(7, ['span 0: a', 'span 1: b'])).toBe('span 0: a; span 1: b; 5 more span(s) rejected');
  });
});
