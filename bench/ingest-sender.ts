/**
 * The load generator of `npm run bench:ingest`, run as a separate process: it
 * pre-encodes OTLP/gRPC requests, then sends them with bounded concurrency and
 * retries UNAVAILABLE like an SDK would. Reports through IPC.
 *
 * With `targets` (the interleaved comparison, bench/ingest-interleaved.ts) it
 * sends nothing by itself: it reports how many spans each request holds, then
 * sends the slice of requests each message names to the side it names.
 */
import { generateSagas } from './saga-generator';
import { encodeProtobufRequest } from '../lib/otlp/encode-protobuf';
import { grpcSender, sendRequests } from './support/grpc-send';

interface Args {
  target?: string;
  targets?: string[];
  spans: number;
  batch: number;
  concurrency: number;
  seed: number;
  startMs: number;
}

/** A slice to send, from the interleaved comparison; `done` ends the process. */
export type SliceOrder = { from: number; to: number; side: number } | { done: true };

const args: Args = JSON.parse(process.argv[2]!);

async function main() {
  const { spans } = generateSagas({ minSpans: args.spans, failRate: 0.1, seed: args.seed, startMs: args.startMs });
  const requests: Buffer[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < spans.length; i += args.batch) {
    const batch = spans.slice(i, i + args.batch);
    requests.push(Buffer.from(encodeProtobufRequest(batch)));
    sizes.push(batch.length);
  }
  if (args.targets !== undefined) return serveSlices(args.targets, requests, sizes);
  process.send!({ sending: true }); // the collector's busy share is measured from here
  const cpuBefore = process.cpuUsage();
  const { elapsedMs, retries } = await sendRequests(args.target!, requests, args.concurrency);
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.send!({ spans: spans.length, requests: requests.length, elapsedMs, retries, cpuSeconds });
}

function serveSlices(targets: string[], requests: Buffer[], sizes: number[]) {
  const senders = targets.map(grpcSender);
  process.on('message', (m: SliceOrder) => {
    if ('done' in m) {
      for (const s of senders) s.close();
      process.exit(0);
    }
    senders[m.side]!.send(requests.slice(m.from, m.to), args.concurrency).then(
      (r) => process.send!(r),
      (err: unknown) => process.send!({ error: String(err) }),
    );
  });
  process.send!({ sizes });
}

main().catch((err) => {
  process.send!({ error: String(err) });
  process.exit(1);
});
