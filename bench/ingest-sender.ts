/**
 * The load generator of `npm run bench:ingest`, run as a separate process: it
 * pre-encodes OTLP/gRPC requests, then sends them with bounded concurrency and
 * retries UNAVAILABLE like an SDK would. Reports through IPC.
 */
import * as grpc from '@grpc/grpc-js';
import { generateSagas } from './saga-generator';
import { encodeProtobufRequest } from '../lib/otlp/encode-protobuf';
import { rawTraceClient } from '../collector/trace-service';

interface Args {
  target: string;
  spans: number;
  batch: number;
  concurrency: number;
  seed: number;
  startMs: number;
}

const args: Args = JSON.parse(process.argv[2]!);
async function main() {
  const { spans } = generateSagas({ minSpans: args.spans, failRate: 0.1, seed: args.seed, startMs: args.startMs });
  const requests: Buffer[] = [];
  for (let i = 0; i < spans.length; i += args.batch) requests.push(Buffer.from(encodeProtobufRequest(spans.slice(i, i + args.batch))));
  const client = rawTraceClient(args.target, { 'grpc.max_send_message_length': 64 * 1024 * 1024 });

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
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (next < requests.length) await send(requests[next++]!);
    }),
  );
  const elapsedMs = performance.now() - started;
  client.close();
  process.send!({ spans: spans.length, requests: requests.length, elapsedMs, retries });
}

main().catch((err) => {
  process.send!({ error: String(err) });
  process.exit(1);
});
