/**
 * End to end through the official OpenTelemetry JS exporters (gRPC,
 * HTTP/protobuf, HTTP/JSON) into the collector and PostgreSQL, then read back
 * through the same data-access functions the API and pages use.
 */
import { detailJson } from '../../lib/saga-view/json';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { ServiceFleet, emitSaga, type ExporterFactory } from '../support/otel-saga';
import { listSagas, getSagaDetail } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv();
});
afterAll(async () => {
  await env?.close();
});

const exporters: [string, () => ExporterFactory][] = [
  ['grpc', () => () => new GrpcExporter({ url: env.grpcUrl })],
  ['http/protobuf', () => () => new ProtoExporter({ url: `${env.httpUrl}/v1/traces` })],
  ['http/json', () => () => new JsonExporter({ url: `${env.httpUrl}/v1/traces` })],
];

describe.each(exporters)('OTel SDK exporter %s', (kind, factory) => {
  it('stores spans and derives committed and compensated sagas', async () => {
    const fleet = new ServiceFleet(factory());
    const ok = `ok-${kind}-${Date.now()}`;
    const comp = `comp-${kind}-${Date.now()}`;
    emitSaga(fleet, {
      id: ok,
      name: 'checkout',
      steps: [
        { step: 'reserve-inventory', service: 'inventory', op: 'action', withChild: true },
        { step: 'charge-payment', service: 'payment', op: 'action' },
      ],
    });
    emitSaga(fleet, {
      id: comp,
      name: 'checkout',
      steps: [
        { step: 'reserve-inventory', service: 'inventory', op: 'action' },
        { step: 'charge-payment', service: 'payment', op: 'action', fail: true },
        { step: 'reserve-inventory', service: 'inventory', op: 'compensate' },
      ],
    });
    await fleet.flush();
    await fleet.shutdown();

    const cfg = modelConfigFrom(env.config, Date.now());
    const okDetail = await eventually(async () => {
      const d = detailJson(await getSagaDetail(env.db, ok, cfg, env.config.SAGASCOPE_MAX_SAGA_SPANS));
      expect(d?.saga.status).toBe('committed');
      return d!;
    });
    expect(okDetail.saga.services).toEqual(['inventory', 'orchestrator', 'payment']);
    expect(okDetail.steps.map((s) => `${s.step}:${s.op}:${s.result}`)).toEqual([
      'reserve-inventory:action:success',
      'charge-payment:action:success',
    ]);

    // The child DB span carried no saga.id; it joined the saga through its parent.
    const child = await env.db.query<{ saga_id: string }>(`SELECT saga_id FROM spans WHERE name = 'SELECT stock' AND saga_id = $1`, [ok]);
    expect(child).toHaveLength(1);

    const compDetail = await eventually(async () => {
      const d = detailJson(await getSagaDetail(env.db, comp, cfg, env.config.SAGASCOPE_MAX_SAGA_SPANS));
      expect(d?.saga.status).toBe('compensated');
      return d!;
    });
    expect(compDetail.saga.failedStep).toBe('charge-payment');
    expect(compDetail.saga.compensationCount).toBe(1);
    const failed = compDetail.steps.find((s) => s.step === 'charge-payment')!;
    expect(failed.result).toBe('failure');
    expect(failed.error).toBe('charge-payment failed');

    // The list reads the summaries maintained on ingest.
    const list = await listSagas(env.db, { q: comp, limit: 10 });
    expect(list.items.map((s) => [s.id, s.status, s.compensationCount])).toEqual([[comp, 'compensated', 1]]);
  });
});
