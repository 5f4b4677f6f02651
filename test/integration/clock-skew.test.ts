/**
 * Clock skew between services (issue 6, faults): a participant whose clock runs
 * 4 s behind the orchestrator's sends server spans that start before the calls
 * that caused them. Through the collector and GET /api/sagas/{id}: the saga is
 * compensated without false anomalies, the steps come back in the order they
 * really ran, and the correction is reported.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import type { FlatSpan } from '../../lib/otlp/types';
import type { SagaDetail } from '../../lib/api/types';
import * as sagaRoute from '../../app/api/sagas/[id]/route';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_AUTH: 'off' });
  setSharedDb(env.db);
});
afterAll(async () => {
  await env?.close();
});

it('a participant 4 s behind: corrected order, no false anomaly, skew reported', async () => {
  const traceId = hex(16);
  const t0 = Date.now() - 60_000;
  const SKEW = -4000; // the inventory host's clock
  const base = { 'saga.id': 'skewed-1', 'saga.name': 'checkout' };
  const root = makeSpan({ traceId, service: 'orchestrator', startMs: t0, endMs: t0 + 500, attributes: { ...base, 'saga.role': 'coordinator' } });
  const spans: FlatSpan[] = [root];
  const call = (at: number, step: string, service: string, op: string, fail = false) => {
    const client = makeSpan({ traceId, parentSpanId: root.spanId, service: 'orchestrator', kind: 3, startMs: t0 + at, endMs: t0 + at + 40, statusCode: fail ? 2 : 0 });
    const skew = service === 'inventory' ? SKEW : 0;
    const server = makeSpan({
      traceId, parentSpanId: client.spanId, service, startMs: t0 + at + 5 + skew, endMs: t0 + at + 35 + skew, statusCode: fail ? 2 : 0,
      attributes: { ...base, 'saga.role': 'participant', 'saga.step': step, 'saga.op': op },
    });
    spans.push(client, server);
  };
  call(10, 'create-order', 'order', 'action');
  call(60, 'reserve-inventory', 'inventory', 'action');
  call(110, 'charge-payment', 'payment', 'action', true);
  call(160, 'reserve-inventory', 'inventory', 'compensate');
  call(210, 'create-order', 'order', 'compensate');
  const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  expect(res.status).toBe(200);

  const detail = (await (await sagaRoute.GET(new Request('http://127.0.0.1/api/sagas/skewed-1'), { params: Promise.resolve({ id: 'skewed-1' }) })).json()) as SagaDetail;
  expect(detail.saga.status).toBe('compensated');
  expect(detail.anomalies).toEqual([]);
  expect(detail.steps.map((s) => `${s.step}:${s.op}`)).toEqual([
    'create-order:action', 'reserve-inventory:action', 'charge-payment:action', 'reserve-inventory:compensate', 'create-order:compensate',
  ]);
  expect(detail.clockSkew).toEqual([{ service: 'inventory', relativeTo: 'orchestrator', correctionMs: 4000, spans: 2 }]);
  // The saga starts when the orchestrator started it, not 4 s earlier.
  expect(Date.parse(detail.saga.startedAt)).toBe(t0);
});
