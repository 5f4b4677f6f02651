/**
 * The distribution key of spans (spans.shard_key, ADR 0013) through the whole
 * ingest path (OTLP/HTTP → pipeline → span writer): a span's own saga id, or
 * `trace:<trace_id>` when it has none of its own — fixed when first stored, so a
 * span adopted into a saga later keeps it, and every re-send (alone, with its
 * ancestors, before or after adoption) is deduplicated by the primary key.
 * Runs in both layouts (npm run test:integration:partitioned); the daily
 * partitions' own rules (rows routed by day, DEFAULT rows moved into a day created
 * later, retention by DROP) are checked when that layout is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, SPAN_PARTITIONS, type TestEnv } from './harness';
import { hex, makeSpan, sendSpans } from '../support/spans';
import type { FlatSpan } from '../../lib/otlp/types';
import { ensureDailyPartitions, isPartitioned, partitionName, spanLeaves } from '../../lib/db/span-partitions';
import { pruneExpiredSpans } from '../../lib/retention/store';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_RETENTION_DAYS: '0', SAGASCOPE_ROLLUP_RETENTION_DAYS: '0' });
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const send = (spans: FlatSpan[]) => sendSpans(env.httpUrl, spans);

interface Stored { span_id: string; saga_id: string | null; shard_key: string; leaf: string }
const storedOf = (traceId: string) =>
  env.db.query<Stored>(`SELECT span_id, saga_id, shard_key, tableoid::regclass::text AS leaf FROM spans WHERE trace_id = $1 ORDER BY start_time, span_id`, [traceId]);
const summary = async (id: string) =>
  (await env.db.query<{ span_count: number; trace_ids: string[] }>(`SELECT span_count, trace_ids FROM sagas WHERE id = $1`, [id]))[0];

/** A saga root, a child without saga attributes and a grandchild below it, in one trace. */
function family(sagaId: string, startMs = Date.now() - 30_000) {
  const traceId = hex(16);
  const root = makeSpan({ traceId, startMs, endMs: startMs + 50, name: 'saga', attributes: { 'saga.id': sagaId, 'saga.name': 'shard-test', 'saga.role': 'coordinator' } });
  const child = makeSpan({ traceId, parentSpanId: root.spanId, startMs: startMs + 5, endMs: startMs + 20, name: 'http call' });
  const grandchild = makeSpan({ traceId, parentSpanId: child.spanId, startMs: startMs + 6, endMs: startMs + 10, name: 'db query' });
  return { traceId, root, child, grandchild };
}

describe('spans.shard_key', () => {
  it('is the layout this run asked for', async () => {
    expect(await isPartitioned(env.db)).toBe(SPAN_PARTITIONS === 'daily');
    const [pk] = await env.db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'spans_pkey'`);
    expect(pk!.def).toBe(SPAN_PARTITIONS === 'daily' ? 'PRIMARY KEY (trace_id, span_id, shard_key, start_time)' : 'PRIMARY KEY (trace_id, span_id, shard_key)');
  });

  it('keeps an orphan\'s trace key when it is adopted, and dedupes its re-sends after adoption, alone or with its parent', async () => {
    const f = family('shard-orphans');
    await send([f.grandchild, f.child]); // children first: orphans
    expect((await storedOf(f.traceId)).map((r) => [r.saga_id, r.shard_key])).toEqual([[null, `trace:${f.traceId}`], [null, `trace:${f.traceId}`]]);

    await send([f.root]); // the parent: both orphans join its saga, their key stays
    const adopted = await storedOf(f.traceId);
    expect(adopted.map((r) => [r.span_id, r.saga_id, r.shard_key])).toEqual([
      [f.root.spanId, 'shard-orphans', 'shard-orphans'],
      [f.child.spanId, 'shard-orphans', `trace:${f.traceId}`],
      [f.grandchild.spanId, 'shard-orphans', `trace:${f.traceId}`],
    ]);
    expect((await summary('shard-orphans'))?.span_count).toBe(3);

    await send([f.child]); // re-sent alone after adoption
    await send([f.root, f.child, f.grandchild]); // re-sent with the parent: inherits in the batch, same key
    await send([f.grandchild]);
    expect(await storedOf(f.traceId)).toEqual(adopted);
    expect((await summary('shard-orphans'))?.span_count).toBe(3);
  });

  it('gives a span that inherited its saga in its first batch the trace key, so a later lone re-send is the same row', async () => {
    const f = family('shard-inbatch');
    await send([f.child, f.root, f.grandchild]);
    const first = await storedOf(f.traceId);
    expect(first.map((r) => r.shard_key)).toEqual(['shard-inbatch', `trace:${f.traceId}`, `trace:${f.traceId}`]);
    expect(first.every((r) => r.saga_id === 'shard-inbatch')).toBe(true);
    await send([f.grandchild]);
    await send([f.child, f.grandchild]);
    expect(await storedOf(f.traceId)).toEqual(first);
    expect((await summary('shard-inbatch'))?.span_count).toBe(3);
  });

  it('keys a span by its own saga id even below another saga\'s span, and spans without any saga by their trace', async () => {
    const f = family('shard-outer');
    const inner = makeSpan({ traceId: f.traceId, parentSpanId: f.child.spanId, startMs: f.child.startMs + 1, endMs: f.child.startMs + 3, attributes: { 'saga.id': 'shard-inner' } });
    const lone = makeSpan({ name: 'no saga here' });
    await send([f.root, f.child, inner, lone]);
    await send([inner, lone]);
    expect((await storedOf(f.traceId)).map((r) => [r.saga_id, r.shard_key])).toEqual([
      ['shard-outer', 'shard-outer'], ['shard-outer', `trace:${f.traceId}`], ['shard-inner', 'shard-inner'],
    ]);
    expect((await storedOf(lone.traceId)).map((r) => [r.saga_id, r.shard_key])).toEqual([[null, `trace:${lone.traceId}`]]);
  });

  it('holds the rule on every stored row: the own saga id or the trace key, one row per span', async () => {
    const [bad] = await env.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM spans WHERE NOT (shard_key = saga_id OR shard_key = 'trace:' || trace_id)`,
    );
    expect(bad!.n).toBe(0);
    const [dup] = await env.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM spans GROUP BY trace_id, span_id HAVING count(*) > 1) d`,
    );
    expect(dup!.n).toBe(0);
  });
});

describe.runIf(SPAN_PARTITIONS === 'daily')('daily span partitions', () => {
  const DAY = 86_400_000;
  const now = Date.now();

  it('routes spans to their day, moves DEFAULT rows into a day created later, and dedupes re-sends there', async () => {
    const f = family('part-today');
    await send([f.root, f.child]);
    expect(new Set((await storedOf(f.traceId)).map((r) => r.leaf))).toEqual(new Set([partitionName(f.root.startMs)]));

    const oldStart = now - 12 * DAY;
    const old = family('part-old', oldStart);
    await send([old.root, old.child, old.grandchild]);
    expect((await storedOf(old.traceId)).map((r) => r.leaf)).toEqual(['spans_default', 'spans_default', 'spans_default']);
    await ensureDailyPartitions(env.db, oldStart);
    expect((await storedOf(old.traceId)).map((r) => r.leaf)).toEqual(Array(3).fill(partitionName(oldStart)));
    await send([old.child, old.root]);
    expect(await storedOf(old.traceId)).toHaveLength(3);
    expect((await summary('part-old'))?.span_count).toBe(3);
  });

  it('retention drops whole expired days and deletes by ctid only inside one leaf at a time', async () => {
    const keep = family('part-keep', now - 2 * DAY);
    const inDefault = family('part-default', now - 30 * DAY);
    await send([keep.root, keep.child, keep.grandchild]);
    await send([inDefault.root, inDefault.child]);
    const days = (await spanLeaves(env.db)).filter((l) => l.toMs !== null && l.toMs <= now - 7 * DAY).map((l) => l.name);
    expect(days).toContain(partitionName(now - 12 * DAY)); // from the test above

    const r = await pruneExpiredSpans(env.db, { olderThan: new Date(now - 7 * DAY), batchSize: 1 });
    expect(r.partitionsDropped).toBe(days.length);
    expect(r.spansDeleted).toBe(2); // the DEFAULT rows, one per batch
    const leaves = (await spanLeaves(env.db)).map((l) => l.name);
    for (const d of days) expect(leaves).not.toContain(d);
    expect(await storedOf(inDefault.traceId)).toEqual([]);
    // Rows at the same ctids in the kept days are untouched.
    expect(await storedOf(keep.traceId)).toHaveLength(3);
    expect((await storedOf(keep.traceId)).every((row) => row.leaf === partitionName(keep.root.startMs) || row.leaf === 'spans_default')).toBe(true);
    const [left] = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE saga_id IN ('part-old', 'part-default')`);
    expect(left!.n).toBe(0);
  });
});
