/**
 * Collector limits end to end (issue 6): a request with too many spans is a
 * 413 with a message (nothing stored); a span over the attribute / length
 * limits is stored cut down and flagged, and the rest of its batch is intact.
 */
import { detailJson } from '../../lib/saga-view/json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import { TRUNCATION_FLAGS } from '../../lib/ingest/limits';
import { CACHE_MIN_STEPS } from '../../lib/saga-view/cache';

let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_MAX_SPANS_PER_REQUEST: '10', SAGASCOPE_MAX_ATTRIBUTES: '8', SAGASCOPE_MAX_ATTRIBUTE_LENGTH: '64' });
});
afterAll(async () => {
  await env?.close();
});

const post = (body: string) => fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

it('too many spans in one request: 413 with a message, nothing stored', async () => {
  const traceId = hex(16);
  const res = await post(toOtlpJson(Array.from({ length: 11 }, () => makeSpan({ traceId }))));
  expect(res.status).toBe(413);
  expect(await res.text()).toMatch(/more than 10 spans in one request; at most 10 \(SAGASCOPE_MAX_SPANS_PER_REQUEST; send smaller batches\)/);
  const [{ n }] = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE trace_id = $1`, [traceId]);
  expect(n).toBe(0);
});

it('a span over the limits is stored cut down and flagged; its neighbours are intact', async () => {
  const traceId = hex(16);
  const attributes = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i === 0 ? 'w'.repeat(10_000) : 'v']));
  const big = makeSpan({ traceId, name: 'n'.repeat(500), attributes: { 'saga.id': 'limits-1', ...attributes } });
  const small = makeSpan({ traceId, attributes: { 'saga.id': 'limits-1', 'saga.step': 'ok', 'saga.op': 'action' } });
  const res = await post(toOtlpJson([big, small]));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({});
  const rows = await env.db.query<{ span_id: string; name: string; attributes: Record<string, unknown> }>(
    `SELECT span_id, name, attributes FROM spans WHERE trace_id = $1`, [traceId]);
  const stored = new Map(rows.map((r) => [r.span_id, r]));
  const b = stored.get(big.spanId)!;
  expect(b.name).toHaveLength(64);
  expect(Object.keys(b.attributes).filter((k) => !k.startsWith('sagascope.'))).toHaveLength(8);
  expect(b.attributes).toMatchObject({ 'saga.id': 'limits-1', k0: 'w'.repeat(64), [TRUNCATION_FLAGS.truncated]: true, [TRUNCATION_FLAGS.droppedAttributes]: 13 });
  expect(stored.get(small.spanId)!.attributes).toEqual({ 'saga.id': 'limits-1', 'saga.step': 'ok', 'saga.op': 'action' });
  const metrics = await (await fetch(`${env.httpUrl}/metrics`)).text();
  expect(metrics).toMatch(/sagascope_spans_truncated_total 1\b/);
});

describe('saga size limit', () => {
  /** A one-trace saga of numbered action steps, 10 ms apart, sent over OTLP/HTTP JSON. */
  function bulkSaga(env: TestEnv, sagaId: string) {
    const traceId = hex(16);
    const t0 = Date.now() - 600_000;
    const step = (i: number) => makeSpan({
      traceId, startMs: t0 + i * 10, endMs: t0 + i * 10 + 5,
      attributes: { 'saga.id': sagaId, 'saga.name': 'bulk', 'saga.step': `s${i}`, 'saga.step.index': i, 'saga.op': 'action' },
    });
    return async (from: number, count: number) => {
      const body = toOtlpJson(Array.from({ length: count }, (_, i) => step(from + i)));
      const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
    };
  }

  async function detailOf(env: TestEnv, sagaId: string, maxSagaSpans: number) {
    const { getSagaDetail } = await import('../../lib/db/read');
    const { modelConfigFrom } = await import('../../lib/config/model');
    return (detailJson(await getSagaDetail(env.db, sagaId, modelConfigFrom(env.config, Date.now()), maxSagaSpans)))!;
  }

  it('a saga over SAGASCOPE_MAX_SAGA_SPANS keeps its spans but the summary covers the first ones; the detail says so', async () => {
    const capped = await startTestEnv({ SAGASCOPE_MAX_SAGA_SPANS: '10', SAGASCOPE_AUTH: 'off' });
    try {
      const send = bulkSaga(capped, 'big-1');
      await send(0, 12); // a new saga already over the limit
      await send(12, 5); // more spans for a saga at the limit
      const [row] = await capped.db.query<{ span_count: number; step_count: number }>(`SELECT span_count, step_count FROM sagas WHERE id = 'big-1'`);
      expect(row).toEqual({ span_count: 10, step_count: 10 });
      const [{ n }] = await capped.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM spans WHERE saga_id = 'big-1'`);
      expect(n).toBe(17); // nothing lost
      const detail = await detailOf(capped, 'big-1', 10);
      expect(detail.modelledSpans).toEqual({ modelled: 10, stored: 17 });
      expect(detail.steps.map((s) => s.step)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i}`));
    } finally {
      await capped.close();
    }
  });

  it('a large saga at the limit: a cached detail is not served once more spans are stored', async () => {
    // Large enough for the detail cache (CACHE_MIN_STEPS), and at the limit, where the summary stops changing.
    const max = CACHE_MIN_STEPS;
    const capped = await startTestEnv({ SAGASCOPE_MAX_SAGA_SPANS: String(max), SAGASCOPE_AUTH: 'off' });
    try {
      const send = bulkSaga(capped, 'big-cached');
      const summary = () => capped.db.query<{ updated_at: Date; span_count: number }>(`SELECT updated_at, span_count FROM sagas WHERE id = 'big-cached'`);
      await send(0, max + 3);
      expect((await detailOf(capped, 'big-cached', max)).modelledSpans).toEqual({ modelled: max, stored: max + 3 });
      const before = await summary();
      await send(max + 3, 4);
      expect(await summary()).toEqual(before); // the summary did not change: the stamp must come from elsewhere
      expect((await detailOf(capped, 'big-cached', max)).modelledSpans).toEqual({ modelled: max, stored: max + 7 });
    } finally {
      await capped.close();
    }
  });
});
