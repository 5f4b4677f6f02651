/**
 * Sends pre-encoded OTLP/gRPC export requests to one collector with at most
 * `concurrency` in flight, retrying UNAVAILABLE (a full collector queue) every
 * 100 ms up to 50 times, as an SDK exporter would. Shared by the load
 * generators of bench:ingest and bench:scale.
 */
import * as grpc from '@grpc/grpc-js';
import { rawTraceClient } from '../../collector/trace-service';

/** One connection to a collector, for several runs of requests (bench:ingest's interleaved slices). */
export interface GrpcSender {
  /** Sends `requests` and resolves once every one is acknowledged. */
  send(requests: readonly Buffer[], concurrency: number): Promise<{ elapsedMs: number; retries: number }>;
  close(): void;
}

export function grpcSender(target: string): GrpcSender {
  const client = rawTraceClient(target, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const sendOne = (buf: Buffer, onRetry: () => void) =>
    new Promise<void>((resolve, reject) => {
      const attempt = (n: number) =>
        client.Export(buf, new grpc.Metadata(), { deadline: Date.now() + 60_000 }, (err) => {
          if (!err) return resolve();
          if (err.code === grpc.status.UNAVAILABLE && n < 50) {
            onRetry();
            setTimeout(() => attempt(n + 1), 100);
            return;
          }
          reject(err);
        });
      attempt(1);
    });
  return {
    async send(requests, concurrency) {
      let next = 0;
      let retries = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < requests.length) await sendOne(requests[next++]!, () => retries++);
      }));
      return { elapsedMs: performance.now() - started, retries };
    },
    close: () => client.close(),
  };
}

export async function sendRequests(target: string, requests: readonly Buffer[], concurrency: number): Promise<{ elapsedMs: number; retries: number }> {
  const sender = grpcSender(target);
  try {
    return await sender.send(requests, concurrency);
  } finally {
    sender.close();
  }
}
