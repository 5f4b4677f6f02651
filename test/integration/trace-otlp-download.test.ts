/**
 * The trace download round trip (issue 18 §3): a trace sent by the real OTel
 * SDK is downloaded as OTLP/JSON from GET /api/traces/{id}/otlp, the file is
 * POSTed to a second collector's OTLP/HTTP endpoint (its own database), and the
 * second database then holds the same spans, column for column, and derives the
 * same saga.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { apiRequest } from '../support/api-client';
import { setSharedDb } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { getSagaDetail } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';
import * as otlpRoute from '../../app/api/traces/[traceId]/otlp/route';
import * as searchRoute from '../../app/api/traces/[traceId]/search/route';
import type { Db } from '../../lib/db/connection';

let source: TestEnv;
let target: TestEnv;
let reader: string;

beforeAll(async () => {
  [source, target] = await Promise.all([startTestEnv(), startTestEnv()]);
  setSharedDb(source.db);
  reader = (await createToken(source.db, { actor: 'test', role: 'system', via: 'system' }, { name: 'otlp reader', role: 'viewer' })).token;
});
afterAll(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

const download = (traceId: string) =>
  otlpRoute.GET(apiRequest('GET', `/api/traces/${traceId}/otlp`, { bearer: reader }), { params: Promise.resolve({ traceId }) });

async function search(traceId: string, raw: string) {
  const q = raw.startsWith('attr:') ? raw.slice(5) : raw;
  const res = await searchRoute.GET(apiRequest('GET', `/api/traces/${traceId}/search?q=${encodeURIComponent(q)}`, { bearer: reader }), {
    params: Promise.resolve({ traceId }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

/** Every stored column of a trace's spans but the arrival time, with the resource attributes themselves. */
async function storedSpans(db: Db, traceId: string) {
  const rows = await db.query<{ row: Record<string, unknown> }>(
    `SELECT (to_jsonb(s) - 'received_at') || jsonb_build_object('resource', r.attributes) AS row
       FROM spans s JOIN resources r ON r.id = s.resource_id
      WHERE s.trace_id = $1 ORDER BY s.span_id`,
    [traceId],
  );
  return rows.map((r) => r.row);
}

describe('GET /api/traces/{traceId}/otlp', () => {
  it('downloads a trace that re-ingests into a collector as the same spans', async () => {
    const sagaId = `otlp-dl-${Date.now().toString(36)}`;
    const fleet = new ServiceFleet(() => new ProtoExporter({ url: `${source.httpUrl}/v1/traces` }));
    emitSaga(fleet, {
      id: sagaId,
      name: 'checkout',
      steps: [
        { step: 'reserve-inventory', service: 'inventory', op: 'action', withChild: true },
        { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
        { step: 'reserve-inventory', service: 'inventory', op: 'compensate' },
      ],
    });
    // A span with every kind of attribute value, events and an error status.
    const tracer = fleet.tracer('shipping');
    const base = Date.now() - 5_000;
    const root = tracer.startSpan('saga-less', { kind: SpanKind.PRODUCER, startTime: base + 0.123 });
    const odd = tracer.startSpan(
      'publish <order>',
      {
        kind: SpanKind.CLIENT,
        startTime: base + 1.5,
        attributes: { 'order.id': 'ORD-1234', 'retry.count': 3, ratio: 0.25, flag: false, tags: ['a', 'b'], sizes: [1, 2, 3] },
      },
      trace.setSpan(context.active(), root),
    );
    odd.addEvent('queued', { depth: 7 }, base + 2.25);
    odd.recordException(new Error('broker unreachable'), base + 3);
    odd.setStatus({ code: SpanStatusCode.ERROR, message: 'broker unreachable' });
    odd.end(base + 4.75);
    root.end(base + 6);
    await fleet.flush();
    await fleet.shutdown();

    const traceId = await eventually(async () => {
      const rows = await source.db.query<{ trace_id: string }>(`SELECT trace_id FROM spans WHERE saga_id = $1 LIMIT 1`, [sagaId]);
      expect(rows).toHaveLength(1);
      return rows[0]!.trace_id;
    });
    const sideTrace = root.spanContext().traceId;
    const expected = { [traceId]: 5, [sideTrace]: 2 };
    for (const [id, n] of Object.entries(expected)) {
      await eventually(async () => expect(await storedSpans(source.db, id)).toHaveLength(n));
    }

    for (const id of [traceId, sideTrace]) {
      const res = await download(id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="trace-${id}.otlp.json"`);
      const body = await res.text();
      const parsed = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: { traceId: string; startTimeUnixNano: unknown }[] }[] }[] };
      const spans = parsed.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
      expect(spans).toHaveLength(expected[id]!);
      for (const s of spans) {
        expect(s.traceId).toBe(id);
        expect(s.startTimeUnixNano).toMatch(/^\d{19}$/);
      }

      const post = await fetch(`${target.httpUrl}/v1/traces`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
      expect(post.status).toBe(200);
      expect(await post.json()).toEqual({});
      const original = await storedSpans(source.db, id);
      await eventually(async () => expect(await storedSpans(target.db, id)).toEqual(original));
    }

    // The span search's server half finds attribute values, status messages and event names.
    const oddId = odd.spanContext().spanId;
    for (const q of ['ord-12', 'attr:ORD-1234', 'BROKER unreach', 'queued']) {
      expect(await search(sideTrace, q), q).toEqual({ spanIds: [oddId], truncated: false });
    }
    // LIKE wildcards are text; keys are not values.
    expect(await search(sideTrace, '%')).toEqual({ spanIds: [], truncated: false });
    expect(await search(sideTrace, 'order.id')).toEqual({ spanIds: [], truncated: false });
    expect((await search(traceId, 'charge-payment')).spanIds).toHaveLength(1); // saga.action_url of the failed step

    // The re-ingested trace derives the same saga.
    const cfg = modelConfigFrom(source.config, Date.now());
    const [a, b] = await Promise.all(
      [source, target].map((env) =>
        eventually(async () => {
          const d = await getSagaDetail(env.db, sagaId, cfg, env.config.SAGASCOPE_MAX_SAGA_SPANS);
          expect(d?.view.saga.status).toBe('compensated');
          return d!;
        }),
      ),
    );
    const facts = (d: typeof a) => ({ status: d.view.saga.status, services: d.view.saga.services, startedAt: d.view.saga.startedAt, endedAt: d.view.saga.endedAt });
    expect(facts(b)).toEqual(facts(a));
    expect(b.view.steps).toEqual(a.view.steps);
  });

  it('search refuses an empty or overlong query', async () => {
    const id = '0123456789abcdef0123456789abcdef';
    for (const q of ['', '%20', 'x'.repeat(201)]) {
      const res = await searchRoute.GET(apiRequest('GET', `/api/traces/${id}/search?q=${q}`, { bearer: reader }), { params: Promise.resolve({ traceId: id }) });
      expect(res.status, q).toBe(400);
    }
  });

  it('answers 404 for a trace with no stored span and 400 for a malformed id', async () => {
    expect((await download('0123456789abcdef0123456789abcdef')).status).toBe(404);
    expect((await download('not-a-trace')).status).toBe(400);
  });
});
