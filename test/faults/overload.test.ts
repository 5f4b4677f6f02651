/**
 * Overload: a collector (`node --import tsx collector/main.ts`, its own process)
 * with one writer and a small queue, so its capacity is low and saturation comes
 * quickly. Its capacity is measured first, then it is offered about ten times
 * that for LOAD_MS with raw OTLP/HTTP protobuf requests (an open loop: requests
 * leave on a schedule whatever the answers, bounded in flight and in count).
 *
 * Asserted: it refuses with 429 + Retry-After (the OTLP throttling signal) rather
 * than queueing without bound, its RSS stays ≤ 512 MiB (sampled every 100 ms from
 * /proc, and VmHWM), a normal request is accepted within seconds of the load
 * stopping, and every acknowledged span is stored exactly once (and nothing else).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FlatSpan } from '../../lib/otlp/types';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import {
  createFaultDb,
  postBody,
  postSpans,
  report,
  requestOutcomes,
  sagaSpans,
  sampleRss,
  sleep,
  spanKey,
  startChildCollector,
  storedCounts,
  type ChildCollector,
  type PostResult,
  type FaultDb,
} from './support';

const HTTP_PORT = 15110;
const GRPC_PORT = 15111;
const SAGAS_PER_REQUEST = 50; // 250 spans
const CAPACITY_MS = 4_000;
const LOAD_MS = 15_000;
const MAX_IN_FLIGHT = 300;
const MAX_REQUESTS = 20_000;
const RSS_LIMIT_MIB = 512;

let fdb: FaultDb;
let collector: ChildCollector;

beforeAll(async () => {
  fdb = await createFaultDb();
  collector = await startChildCollector(
    {
      DATABASE_URL: fdb.url,
      SAGASCOPE_INGEST_MAX_QUEUE_SPANS: '2000',
      SAGASCOPE_INGEST_BATCH_SPANS: '250',
      SAGASCOPE_INGEST_WRITERS: '1',
    },
    HTTP_PORT,
    GRPC_PORT,
  );
});

afterAll(async () => {
  await collector?.stop();
  await fdb?.drop();
});

type Ids = { traceId: string; spanId: string };
const idsOf = (s: FlatSpan): Ids => ({ traceId: s.traceId, spanId: s.spanId });

it(
  'at ten times its capacity: 429 + Retry-After, RSS ≤ 512 MiB, recovers when the load drops, nothing acknowledged is lost',
  async () => {
    const rss = sampleRss(collector.pid, 100);
    const sent: Ids[] = [];
    const acked = new Set<string>();
    const statuses = new Map<number, number>();
    let withoutRetryAfter = 0;

    const tally = (ids: Ids[], r: PostResult) => {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) for (const s of ids) acked.add(spanKey(s.traceId, s.spanId));
      else if ((r.status === 429 || r.status === 503) && !r.retryAfter) withoutRetryAfter++;
      return r;
    };
    const send = async (spans: FlatSpan[]) => {
      const ids = spans.map(idsOf);
      sent.push(...ids);
      return tally(ids, await postSpans(collector.httpUrl, spans));
    };

    // Capacity: four senders back to back, each waiting for its answer.
    const capStart = performance.now();
    let capAcked = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() - capStart < CAPACITY_MS) {
          const r = await send(sagaSpans('cap', SAGAS_PER_REQUEST));
          if (r.status === 200) capAcked += SAGAS_PER_REQUEST * 5;
        }
      }),
    );
    const capacity = capAcked / ((performance.now() - capStart) / 1000);
    const capacityStatuses = Object.fromEntries(statuses);
    statuses.clear();

    // Ten times that, on a schedule. Every body is encoded before the load starts, so the
    // sender's CPU (on the same two cores) does not set the pace.
    const offeredRate = 10 * capacity;
    const requestsPerSecond = offeredRate / (SAGAS_PER_REQUEST * 5);
    const planned = Math.min(MAX_REQUESTS, Math.ceil((requestsPerSecond * LOAD_MS) / 1000));
    const bodies = Array.from({ length: planned }, () => {
      const spans = sagaSpans('load', SAGAS_PER_REQUEST);
      return { ids: spans.map(idsOf), body: encodeProtobufRequest(spans) };
    });
    const loadStart = performance.now();
    const inFlight = new Set<Promise<unknown>>();
    let issued = 0;
    let skippedAtCap = 0;
    while (performance.now() - loadStart < LOAD_MS && issued < planned) {
      const due = Math.floor(((performance.now() - loadStart) / 1000) * requestsPerSecond);
      while (issued < due && issued < planned) {
        const req = bodies[issued++]!;
        if (inFlight.size >= MAX_IN_FLIGHT) {
          skippedAtCap++;
          continue;
        }
        sent.push(...req.ids);
        const p = postBody(collector.httpUrl, req.body)
          .then((r) => tally(req.ids, r))
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await sleep(10);
    }
    const loadMs = performance.now() - loadStart;
    await Promise.all(inFlight);
    const loadStatuses = Object.fromEntries(statuses);

    // Recovery: the first normal request accepted after the load.
    const recoverStart = performance.now();
    let recovered: number | null = null;
    while (performance.now() - recoverStart < 10_000) {
      const r = await send(sagaSpans('after', 2));
      if (r.status === 200) {
        recovered = performance.now() - recoverStart;
        break;
      }
      await sleep(100);
    }
    const mem = rss.stop();

    const counts = await storedCounts(fdb, sent);
    const lost = [...acked].filter((k) => !counts.has(k));
    const twice = [...counts].filter(([, n]) => n > 1);
    const unacknowledgedStored = [...counts.keys()].filter((k) => !acked.has(k)).length;
    const figures = {
      capacitySpansPerSecond: Math.round(capacity),
      capacityStatuses,
      offeredSpansPerSecond: Math.round(offeredRate),
      loadMs: Math.round(loadMs),
      requestsPlanned: planned,
      requestsSent: issued - skippedAtCap,
      skippedAtInFlightCap: skippedAtCap,
      loadStatuses,
      acceptedDuringLoadSpansPerSecond: Math.round((((loadStatuses[200] as number) ?? 0) * SAGAS_PER_REQUEST * 5) / (loadMs / 1000)),
      recoveryMs: recovered === null ? null : Math.round(recovered),
      rssPeakMiB: Math.round(mem.peakMiB),
      vmHwmMiB: Math.round(mem.hwmMiB),
      rssSamples: mem.samples,
      spansSent: sent.length,
      spansAcked: acked.size,
      spansStored: counts.size,
      collectorRequests: await requestOutcomes(collector.httpUrl),
    };
    report('overload', figures);

    expect(loadStatuses[429] ?? 0, 'refused as saturated').toBeGreaterThan(0);
    expect(withoutRetryAfter, 'refusals without Retry-After').toBe(0);
    expect(loadStatuses[0] ?? 0, 'connections failed or timed out').toBe(0);
    expect(Object.keys(loadStatuses).filter((s) => !['200', '429', '503'].includes(s))).toEqual([]);
    expect(mem.peakMiB).toBeLessThanOrEqual(RSS_LIMIT_MIB);
    expect(mem.hwmMiB).toBeLessThanOrEqual(RSS_LIMIT_MIB);
    expect(recovered, 'a normal request accepted after the load').not.toBeNull();
    expect(recovered!).toBeLessThan(5_000);
    expect(lost, 'acknowledged but not stored').toEqual([]);
    expect(twice).toEqual([]);
    expect(unacknowledgedStored, 'stored although refused').toBe(0);
  },
  120_000,
);
