/**
 * Converting a database in use to the daily-partitioned span layout
 * (lib/db/span-partitions.ts, `npm run db:partition-spans`): stored spans, the
 * sagas built from them and the index names survive, and ingest goes on
 * deduplicating re-sent spans afterwards. Starts in the plain layout whatever
 * SAGASCOPE_SPAN_PARTITIONS says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan, sendSpans } from '../support/spans';
import type { FlatSpan } from '../../lib/otlp/types';
import { convertToDailyPartitions, isPartitioned, spanLeaves } from '../../lib/db/span-partitions';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_SPAN_PARTITIONS: 'none' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const send = (spans: FlatSpan[]) => sendSpans(env.httpUrl, spans);

const DAY = 86_400_000;
function saga(id: string, startMs: number): FlatSpan[] {
  const traceId = hex(16);
  const root = makeSpan({ traceId, startMs, endMs: startMs + 40, attributes: { 'saga.id': id, 'saga.name': 'convert', 'saga.role': 'coordinator' } });
  const step = makeSpan({ traceId, parentSpanId: root.spanId, startMs: startMs + 2, endMs: startMs + 9, attributes: { 'saga.id': id, 'saga.step': 'a', 'saga.op': 'action' } });
  const child = makeSpan({ traceId, parentSpanId: step.spanId, startMs: startMs + 3, endMs: startMs + 5 });
  return [root, step, child];
}

const snapshot = async () => ({
  spans: await env.db.query(`SELECT trace_id, span_id, saga_id, shard_key, start_time, attributes::text FROM spans ORDER BY trace_id, span_id`),
  sagas: await env.db.query(`SELECT id, status, span_count, trace_ids, rollup FROM sagas ORDER BY id`),
  indexes: (await env.db.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE tablename = 'spans' ORDER BY 1`)).map((r) => r.name),
});

describe('convertToDailyPartitions', () => {
  it('keeps rows, summaries and index names, and ingest dedupes re-sends afterwards', async () => {
    const now = Date.now();
    const sagas = [saga('convert-today', now - 60_000), saga('convert-old', now - 20 * DAY), saga('convert-ahead', now + DAY)];
    await send([sagas[0]![2]!]); // an orphan, adopted by the next batch
    for (const s of sagas) await send(s);
    const before = await snapshot();
    expect(before.spans).toHaveLength(9);
    expect(await isPartitioned(env.db)).toBe(false);

    expect(await env.db.transaction((tx) => convertToDailyPartitions(tx, now))).toBe(true);
    expect(await env.db.transaction((tx) => convertToDailyPartitions(tx, now))).toBe(false); // once
    expect(await isPartitioned(env.db)).toBe(true);
    const after = await snapshot();
    expect(after.spans).toEqual(before.spans);
    expect(after.sagas).toEqual(before.sagas);
    expect(after.indexes).toEqual(before.indexes);
    const where = await env.db.query<{ leaf: string; n: number }>(`SELECT tableoid::regclass::text AS leaf, count(*)::int AS n FROM spans GROUP BY 1 ORDER BY 1`);
    expect(where.find((w) => w.leaf === 'spans_default')?.n).toBe(3); // 20 days ago: before the days created
    expect((await spanLeaves(env.db)).length).toBe(6); // DEFAULT, yesterday, today, three days ahead

    for (const s of sagas) await send(s);
    await send([makeSpan({ traceId: sagas[1]![0]!.traceId, parentSpanId: sagas[1]![1]!.spanId, startMs: now - 20 * DAY + 4, endMs: now - 20 * DAY + 6 })]);
    const [n] = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans`);
    expect(n!.n).toBe(10);
    expect((await env.db.query<{ span_count: number }>(`SELECT span_count FROM sagas WHERE id = 'convert-old'`))[0]!.span_count).toBe(4);
  });
});
