/**
 * OTLP/gRPC transport: TraceService/Export with raw-bytes (de)serialisers, so
 * decoding happens once, in our fast decoder, inside the export core.
 * grpc-js handles gzip (grpc-encoding) and enforces the size limit after
 * decompression (RESOURCE_EXHAUSTED).
 */
import * as grpc from '@grpc/grpc-js';
import { exportTraces, authorize, type ExportDeps } from '../lib/ingest/export';
import { statusFor, GrpcCode } from '../lib/ingest/errors';
import { encodeExportResponseProto } from '../lib/otlp/response';
import { TRACE_SERVICE } from './trace-service';

export interface GrpcOptions extends ExportDeps {
  host: string;
  port: number;
  maxRequestBytes: number;
}

export async function startGrpcServer(opts: GrpcOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxRequestBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  server.addService(TRACE_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const auth = call.metadata.get('authorization')[0];
      Promise.resolve()
        .then(() => authorize(typeof auth === 'string' ? auth : undefined, opts.token))
        .then(() => exportTraces(call.request, 'protobuf', opts))
        .then((res) => {
          opts.metrics.countRequest('grpc', res.rejectedSpans > 0 ? 'partial' : 'ok');
          callback(null, Buffer.from(encodeExportResponseProto(res.rejectedSpans, res.errorMessage)));
        })
        .catch((err: unknown) => {
          const status = statusFor(err);
          opts.metrics.countRequest('grpc', status.kind);
          const metadata = new grpc.Metadata();
          if (status.retryAfterSeconds) metadata.set('retry-after', String(status.retryAfterSeconds));
          callback({ code: status.grpc as grpc.status, details: status.message, metadata });
        });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // In-flight calls get a grace period, then are cut.
        setTimeout(() => server.forceShutdown(), 5_000).unref();
      }),
  };
}

export { GrpcCode };
