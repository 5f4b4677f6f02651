/**
 * OTLP TraceService/Export as a grpc-js service definition that moves raw
 * bytes: the server decodes with our own fast decoder, and tests and the
 * benchmark send hand-encoded requests through the same definition.
 */
import * as grpc from '@grpc/grpc-js';

const identity = (b: Buffer) => b;

export const TRACE_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

export interface RawTraceClient {
  Export(req: Buffer, metadata: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): void;
  Export(req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void): void;
  close(): void;
}

/** A client that sends already-encoded ExportTraceServiceRequest bytes. */
export function rawTraceClient(target: string, options: grpc.ClientOptions = {}): RawTraceClient {
  const Ctor = grpc.makeGenericClientConstructor(TRACE_SERVICE, 'TraceService');
  return new Ctor(target, grpc.credentials.createInsecure(), options) as unknown as RawTraceClient;
}
