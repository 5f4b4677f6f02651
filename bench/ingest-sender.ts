/**
 * The load generator of `npm run bench:ingest`, run as a separate process: it
 * pre-encodes OTLP/gRPC requests, then sends them with bounded concurrency and
 * retries UNAVAILABLE like an SDK would. Reports through IPC.
 */
import { generateSagas } from './saga-generator';
import { encodeProtobufRequest } from '../lib/otlp/encode-protobuf';
import { sendRequests } from './support/grpc-send';

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
  process.send!({ sending: true }); // the collector's busy share is measured from here
  const cpuBefore = process.cpuUsage();
  const { elapsedMs, retries } = await sendRequests(args.target, requests, args.concurrency);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.send!({ spans: spans.length, requests: requests.length, elapsedMs, retries, cpuSeconds });
}

main().catch((err) => {
  process.send!({ error: String(err) });
  process.exit(1);
});
