/**
 * Load generator of bench/scale.ts, run as its own process: routes every span
 * to a collector by trace id (bench/trace-ring.ts, what the loadbalancing
 * exporter does), pre-encodes OTLP/gRPC requests per collector, then sends
 * them with bounded concurrency per collector (the exporter keeps one queue
 * per backend), retrying UNAVAILABLE like an SDK. Reports through IPC.
 */
import type { FlatSpan } from '../lib/otlp/types';
import { encodeProtobufRequest } from '../lib/otlp/encode-protobuf';
import { sendRequests } from './support/grpc-send';
import { scaleTraffic } from './scale-traffic';
import { TraceRing } from './trace-ring';

interface Args { targets: string[]; spans: number; batch: number; concurrency: number; seed: number; startMs: number }
const args: Args = JSON.parse(process.argv[2]!);

async function main() {
  const traffic = scaleTraffic({ minSpans: args.spans, seed: args.seed, startMs: args.startMs });
  const ring = new TraceRing(args.targets);
  const routed = new Map<string, FlatSpan[]>(args.targets.map((t) => [t, []]));
  for (const s of traffic.spans) routed.get(ring.endpointOf(s.traceId))!.push(s);
  const requests = new Map<string, Buffer[]>();
  for (const [target, spans] of routed) {
    const list: Buffer[] = [];
    for (let i = 0; i < spans.length; i += args.batch) list.push(Buffer.from(encodeProtobufRequest(spans.slice(i, i + args.batch))));
    requests.set(target, list);
  }
  // Sagas whose traces were routed to different collectors.
  const sagaTargets = new Map<string, Set<string>>();
  const sagaOfTrace = new Map<string, string>();
  for (const s of traffic.spans) if (typeof s.attributes['saga.id'] === 'string') sagaOfTrace.set(s.traceId, s.attributes['saga.id']);
  for (const s of traffic.spans) {
    const saga = sagaOfTrace.get(s.traceId)!;
    if (!sagaTargets.has(saga)) sagaTargets.set(saga, new Set());
    sagaTargets.get(saga)!.add(ring.endpointOf(s.traceId));
  }
  const crossCollector = [...sagaTargets.values()].filter((t) => t.size > 1).length;

  process.send!({ ready: true });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const started = performance.now();
  const results = await Promise.all(args.targets.map((t) => sendRequests(t, requests.get(t)!, args.concurrency)));
  const elapsedMs = performance.now() - started;
  process.send!({
    spans: traffic.spans.length, sagas: traffic.sagas, split: traffic.split, orphans: traffic.orphans, crossCollector,
    elapsedMs,
    perTarget: args.targets.map((t, i) => ({ target: t, spans: routed.get(t)!.length, requests: requests.get(t)!.length, elapsedMs: results[i]!.elapsedMs, retries: results[i]!.retries })),
  });
}

main().catch((err) => {
  process.send!({ error: String(err) });
  process.exit(1);
});
