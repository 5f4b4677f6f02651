/**
 * Sends pre-encoded OTLP/gRPC export requests to one collector with at most
 * `concurrency` in flight, retrying UNAVAILABLE (a full collector queue) every
 * 100 ms up to 50 times, as an SDK exporter would. Shared by the load
 * generators of bench:ingest and bench:scale.
 */
import * as grpc from '@grpc/grpc-js';
import { rawTraceClient } from '../../collector/trace-service';

export async function sendRequests(target: string, requests: readonly Buffer[], concurrency: number): Promise<{ elapsedMs: number; retries: number }> {
  const client = rawTraceClient(target, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  let next = 0;
  let retries = 0;
  const send = (buf: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const attempt = (n: number) =>
        client.Export(buf, new grpc.Metadata(), { deadline: Date.now() + 60_000 }, (err) => {
          if (!err) return resolve();
          if (err.code === grpc.status.UNAVAILABLE && n < 50) {
            retries++;
            setTimeout(() => attempt(n + 1), 100);
            return;
          }
          reject(err);
        });
      attempt(1);
    });
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < requests.length) await send(requests[next++]!);
    }));
    return { elapsedMs: performance.now() - started, retries };
  } finally {
    client.close();
  }
}
