/**
 * Span retention (issue 5, "Retention"): spans sent through the collector's
 * OTLP/HTTP endpoint with old start times are pruned in bounded batches, their
 * emptied saga summaries go with them, recent data and the audit trail stay.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { makeSpan, hex } from '../support/spans';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { appendAudit, verifyAuditChain } from '../../lib/audit/store';
import { pruneExpiredSpans, retentionCutoff } from '../../lib/retention/store';
import type { FlatSpan } from '../../lib/otlp/types';

const DAY = 86_400_000;

async function send(env: TestEnv, spans: FlatSpan[]): Promise<void> {
  const res = await fetch(`${env.httpUrl}/v1/traces`, {
    method: 'POST',
    body: Buffer.from(encodeProtobufRequest(spans)),
    headers: { 'content-type': 'application/x-protobuf' },
  });
  expect(res.status).toBe(200);
}

/** `count` spans of one saga (one trace), starting at `startMs`, one second apart. */
function sagaSpans(sagaId: string, startMs: number, count: number): FlatSpan[] {
  const traceId = hex(16);
  return Array.from({ length: count }, (_, i) =>
    makeSpan({
      traceId,
      service: `svc-${i % 2}`,
      startMs: startMs + i * 1_000,
      endMs: startMs + i * 1_000 + 5,
      attributes: { 'saga.id': sagaId, 'saga.name': 'checkout', 'saga.step': `s${i}`, 'saga.step.index': i, 'saga.op': 'action' },
    }),
  );
}

const count = async (env: TestEnv, sql: string, params: unknown[] = []) =>
  (await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n;

describe('pruneExpiredSpans', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('deletes old spans in bounded batches and their emptied summaries, keeps recent data and the audit trail', async () => {
    const now = Date.now();
    const run = hex(4);
    const oldIds = Array.from({ length: 5 }, (_, i) => `ret-${run}-old-${i}`);
    const recentIds = [`ret-${run}-recent-0`, `ret-${run}-recent-1`];
    const mixedId = `ret-${run}-mixed`;
    // Old spans that reached the collector recently: spans go, the summary stays until its activity is old too.
    const lateId = `ret-${run}-late`;

    await appendAudit(env.db, { actor: 'system', role: 'system', via: 'system', action: 'test.retention', outcome: 'ok', request: { run } });
    const auditBefore = await count(env, 'audit_log');

    await send(env, oldIds.flatMap((id, i) => sagaSpans(id, now - (20 + i) * DAY, 5)));
    await send(env, recentIds.flatMap((id) => sagaSpans(id, now - 3_600_000, 3)));
    const mixed = sagaSpans(mixedId, now - 9 * DAY, 3);
    mixed[2]!.startMs = now - 60_000;
    mixed[2]!.endMs = now - 59_000;
    await send(env, mixed);
    await send(env, sagaSpans(lateId, now - 30 * DAY, 3));

    const all = [...oldIds, ...recentIds, mixedId, lateId];
    expect(await count(env, 'sagas WHERE id = ANY($1::text[])', [all])).toBe(all.length);
    expect(await count(env, 'spans WHERE saga_id = ANY($1::text[])', [all])).toBe(25 + 6 + 3 + 3);
    // Sagas whose spans arrived back then (last activity = when their spans were received).
    await env.db.query(`UPDATE sagas SET last_activity_at = last_span_end_at WHERE id = ANY($1::text[])`, [[...oldIds, mixedId]]);
    const resourcesBefore = await count(env, 'resources');

    const batches: Array<[string, number]> = [];
    const result = await pruneExpiredSpans(env.db, {
      olderThan: retentionCutoff(7, now),
      batchSize: 4,
      onBatch: (table, n) => batches.push([table, n]),
    });

    // 25 old + 2 of the mixed saga + 3 late = 30 spans: 7 full batches of 4, then 2.
    expect(result).toMatchObject({ spansDeleted: 30, spanBatches: 8, sagasDeleted: 5, resourcesDeleted: null, complete: true });
    const spanBatches = batches.filter(([t]) => t === 'spans').map(([, n]) => n);
    expect(spanBatches).toEqual([4, 4, 4, 4, 4, 4, 4, 2]);
    expect(batches.filter(([t]) => t === 'sagas').every(([, n]) => n <= 4)).toBe(true);

    expect(await count(env, 'spans WHERE saga_id = ANY($1::text[])', [oldIds])).toBe(0);
    expect(await count(env, 'sagas WHERE id = ANY($1::text[])', [oldIds])).toBe(0);
    expect(await count(env, `spans WHERE start_time < now() - interval '7 days'`)).toBe(0);
    expect(await count(env, 'spans WHERE saga_id = ANY($1::text[])', [recentIds])).toBe(6);
    expect(await count(env, 'spans WHERE saga_id = $1', [mixedId])).toBe(1);
    expect(await count(env, 'spans WHERE saga_id = $1', [lateId])).toBe(0);
    const kept = await env.db.query<{ id: string }>(`SELECT id FROM sagas WHERE id = ANY($1::text[]) ORDER BY id`, [all]);
    expect(kept.map((r) => r.id)).toEqual([...recentIds, mixedId, lateId].sort());

    expect(await count(env, 'audit_log')).toBe(auditBefore);
    expect((await verifyAuditChain(env.db)).ok).toBe(true);
    expect(await count(env, 'resources')).toBe(resourcesBefore);

    // Nothing left to do at the same cutoff; the late saga's summary goes once its activity is old.
    expect(await pruneExpiredSpans(env.db, { olderThan: retentionCutoff(7, now), batchSize: 4 })).toMatchObject({ spansDeleted: 0, sagasDeleted: 0 });
    expect(await count(env, 'spans WHERE saga_id = ANY($1::text[])', [all])).toBe(7);
    const later = await pruneExpiredSpans(env.db, { olderThan: new Date(Date.now() + 1_000), batchSize: 100 });
    // Day partitions that end before the cutoff are dropped whole, their rows not counted in
    // spansDeleted (lib/retention/store.ts): in the first hour after midnight UTC the recent spans
    // (an hour old) are in such a partition. What is gone is counted here either way.
    if (later.partitionsDropped === 0) expect(later.spansDeleted).toBe(7);
    expect(await count(env, 'spans WHERE saga_id = ANY($1::text[])', [all])).toBe(0);
    expect(await count(env, 'sagas WHERE id = ANY($1::text[])', [all])).toBe(0);
    expect(await count(env, 'audit_log')).toBe(auditBefore);
  });

  it('stops between batches when asked', async () => {
    await send(env, sagaSpans(`ret-stop-${hex(4)}`, Date.now() - 30 * DAY, 6));
    let calls = 0;
    const r = await pruneExpiredSpans(env.db, { olderThan: retentionCutoff(7), batchSize: 2, shouldContinue: () => calls++ < 1 });
    expect(r).toMatchObject({ spansDeleted: 2, spanBatches: 1, complete: false });
    await pruneExpiredSpans(env.db, { olderThan: retentionCutoff(7), batchSize: 2 });
  });

  it('rejects a bad batch size', async () => {
    await expect(pruneExpiredSpans(env.db, { olderThan: new Date(), batchSize: 0 })).rejects.toThrow(/batchSize/);
  });
});

describe("the collector's retention loop", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({ SAGASCOPE_RETENTION_DAYS: '1', SAGASCOPE_RETENTION_INTERVAL_MS: '1000' });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('prunes on its timer and leaves recent spans', async () => {
    const oldId = `loop-old-${hex(4)}`;
    const newId = `loop-new-${hex(4)}`;
    await send(env, [...sagaSpans(oldId, Date.now() - 3 * DAY, 3), ...sagaSpans(newId, Date.now() - 60_000, 2)]);
    await eventually(async () => {
      expect(await count(env, 'spans WHERE saga_id = $1', [oldId])).toBe(0);
    }, 15_000);
    expect(await count(env, 'spans WHERE saga_id = $1', [newId])).toBe(2);
    // A pass requested while the timer runs joins or follows it; never two at once.
    const [a, b] = await Promise.all([env.collector.retention.runNow(), env.collector.retention.runNow()]);
    expect(a).toBe(b);
  });
});

describe('pruneExpiredSpans on embedded PGlite', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startTestEnv({}, { embedded: true });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('runs the same statements', async () => {
    const oldId = `lite-old-${hex(4)}`;
    await send(env, [...sagaSpans(oldId, Date.now() - 30 * DAY, 5), ...sagaSpans(`lite-new-${hex(4)}`, Date.now() - 60_000, 2)]);
    await env.db.query(`UPDATE sagas SET last_activity_at = last_span_end_at WHERE id = $1`, [oldId]);
    const r = await pruneExpiredSpans(env.db, { olderThan: retentionCutoff(7), batchSize: 2 });
    expect(r).toMatchObject({ spansDeleted: 5, spanBatches: 3, sagasDeleted: 1, complete: true });
    expect(await count(env, 'spans')).toBe(2);
  });
});
