/**
 * The collector process is SIGKILLed while batches are in flight, then started
 * again on the same ports. A client sends batches with unique span ids and
 * re-sends each until it is acknowledged (backoff on refusals and refused
 * connections), as OTLP SDKs do.
 *
 * Asserted: right after the kill, with the collector down, every span
 * acknowledged before it is already in the database (an acknowledgement means
 * committed); in the end every batch is acknowledged and every span is stored
 * exactly once (a batch committed but not answered before the kill is re-sent
 * and changes nothing).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FlatSpan } from '../../lib/otlp/types';
import {
  createFaultDb,
  expectSummariesConsistent,
  postSpans,
  report,
  requestOutcomes,
  sagaSpans,
  sleep,
  spanKey,
  startChildCollector,
  storedCounts,
  type ChildCollector,
  type FaultDb,
} from './support';

const HTTP_PORT = 15120;
const GRPC_PORT = 15121;
const BATCHES = 150;
const SAGAS_PER_BATCH = 40; // 200 spans
const CONCURRENCY = 6;
const KILL_AFTER_ACKED = 40;
const DEADLINE_MS = 90_000;

let fdb: FaultDb;
let collector: ChildCollector;

const env = () => ({ DATABASE_URL: fdb.url });

beforeAll(async () => {
  fdb = await createFaultDb();
  collector = await startChildCollector(env(), HTTP_PORT, GRPC_PORT);
});

afterAll(async () => {
  await collector?.stop();
  await fdb?.drop();
});

it(
  'SIGKILL mid-batch: nothing acknowledged is lost, retries fill the rest, every span stored once',
  async () => {
    const batches: FlatSpan[][] = Array.from({ length: BATCHES }, () => sagaSpans('kill', SAGAS_PER_BATCH));
    const ackedAt = new Array<number | null>(BATCHES).fill(null);
    let acks = 0;
    let attempts = 0;
    let refusedOrDown = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    const started = Date.now();

    let next = 0;
    const worker = async () => {
      while (next < BATCHES && Date.now() - started < DEADLINE_MS) {
        const i = next++;
        let backoff = 100;
        while (Date.now() - started < DEADLINE_MS) {
          attempts++;
          inFlight++;
          const r = await postSpans(`http://127.0.0.1:${HTTP_PORT}`, batches[i]!, 20_000);
          inFlight--;
          if (r.status === 200) {
            ackedAt[i] = Date.now();
            acks++;
            break;
          }
          refusedOrDown++;
          await sleep(backoff);
          backoff = Math.min(backoff * 2, 1_000);
        }
      }
    };
    const clients = Array.from({ length: CONCURRENCY }, worker);

    // Kill while requests are in flight, once enough have been acknowledged.
    while (acks < KILL_AFTER_ACKED && Date.now() - started < DEADLINE_MS) await sleep(5);
    while (inFlight === 0 && Date.now() - started < DEADLINE_MS) await sleep(1);
    inFlightAtKill = inFlight;
    const killedAt = Date.now();
    await collector.kill();
    const ackedBeforeKill = batches.filter((_, i) => ackedAt[i] !== null && ackedAt[i]! <= killedAt).flat();

    // With the collector down: everything it acknowledged is already committed.
    const afterKill = await storedCounts(fdb, ackedBeforeKill);
    const missingAfterKill = ackedBeforeKill.filter((s) => !afterKill.has(spanKey(s.traceId, s.spanId))).length;
    const [{ n: storedAtKill }] = (await fdb.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans`)) as [{ n: number }];

    const restartStart = Date.now();
    collector = await startChildCollector(env(), HTTP_PORT, GRPC_PORT);
    const restartMs = Date.now() - restartStart;
    await Promise.all(clients);

    const all = batches.flat();
    const counts = await storedCounts(fdb, all);
    const outcomes = await requestOutcomes(collector.httpUrl);
    const duplicatesAfterRestart = Number(
      /^sagascope_spans_duplicate_total (\d+)$/m.exec(await (await fetch(`${collector.httpUrl}/metrics`)).text())?.[1] ?? 0,
    );
    report('sigkill', {
      batches: BATCHES,
      spans: all.length,
      ackedBeforeKill: ackedBeforeKill.length,
      storedAtKill,
      committedButUnansweredAtKill: storedAtKill - ackedBeforeKill.length,
      requestsInFlightAtKill: inFlightAtKill,
      restartMs,
      attempts,
      failedAttempts: refusedOrDown,
      acknowledgedBatches: ackedAt.filter((a) => a !== null).length,
      stored: counts.size,
      duplicateSpansIgnoredAfterRestart: duplicatesAfterRestart,
      requestsAfterRestart: outcomes,
      totalMs: Date.now() - started,
    });

    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(missingAfterKill, 'acknowledged before the kill but not stored').toBe(0);
    expect(ackedAt.every((a) => a !== null), 'every batch acknowledged in the end').toBe(true);
    expect(counts.size).toBe(all.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [{ n: total }] = (await fdb.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans`)) as [{ n: number }];
    expect(total).toBe(all.length);
    const { sagas } = await expectSummariesConsistent(fdb);
    expect(sagas).toBe(BATCHES * SAGAS_PER_BATCH);
  },
  150_000,
);
