/**
 * The embedded-database path (`npm start` without DATABASE_URL): PGlite in this
 * process, migrations applied in-process, spans written with an unnest INSERT
 * (no COPY), one writer. Same guarantees as on a server.
 */
import { detailJson } from '../../lib/saga-view/json';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { ServiceFleet, emitSaga } from '../support/otel-saga';
import { makeSpan, hex } from '../support/spans';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { getSagaDetail, getTrace, listSagas } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';

let env: TestEnv;
beforeAll(async () => {
  env = await startTestEnv({}, { embedded: true });
});
afterAll(async () => {
  await env?.close();
});

const post = (spans: ReturnType<typeof makeSpan>[]) =>
  fetch(`${env.httpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf' },
    body: Buffer.from(encodeProtobufRequest(spans)),
  });

describe('embedded PGlite', () => {
  it('runs on PGlite', () => {
    expect(env.db.kind).toBe('pglite');
    expect(env.databaseUrl).toBeUndefined();
  });

  it('stores SDK spans and derives a compensated saga', async () => {
    const fleet = new ServiceFleet(() => new OTLPTraceExporter({ url: `${env.httpUrl}/v1/traces` }));
    const id = `emb-${hex(4)}`;
    emitSaga(fleet, {
      id,
      name: 'checkout',
      steps: [
        { step: 'reserve', service: 'inventory', op: 'action', withChild: true },
        { step: 'charge', service: 'payment', op: 'action', fail: true },
        { step: 'reserve', service: 'inventory', op: 'compensate' },
      ],
    });
    await fleet.flush();
    await fleet.shutdown();
    const detail = await eventually(async () => {
      const d = detailJson(await getSagaDetail(env.db, id, modelConfigFrom(env.config, Date.now()), env.config.SAGASCOPE_MAX_SAGA_SPANS));
      expect(d?.saga.status).toBe('compensated');
      return d!;
    });
    expect(detail.saga.services).toEqual(['inventory', 'orchestrator', 'payment']);
    const trace = await getTrace(env.db, detail.traceIds[0]!);
    expect(trace?.spans.find((s) => s.name === 'SELECT stock')?.sagaId).toBe(id);
    expect(trace?.spans[0]?.resource).toHaveProperty('service.name');
    const list = await listSagas(env.db, { q: id, limit: 5 });
    expect(list.items.map((s) => s.status)).toEqual(['compensated']);
  });

  it('ignores re-sent spans and links a child stored before its parent', async () => {
    const traceId = hex(16);
    const sagaId = `emb-cbp-${hex(3)}`;
    const parent = makeSpan({ traceId, attributes: { 'saga.id': sagaId, 'saga.step': 'a', 'saga.op': 'action' } });
    const child = makeSpan({ traceId, parentSpanId: parent.spanId });
    expect((await post([child])).status).toBe(200);
    expect((await post([parent])).status).toBe(200);
    expect((await post([parent, child])).status).toBe(200);
    const rows = await env.db.query<{ saga_id: string | null }>(`SELECT saga_id FROM spans WHERE trace_id = $1`, [traceId]);
    expect(rows.map((r) => r.saga_id)).toEqual([sagaId, sagaId]);
    const [summary] = await env.db.query<{ span_count: number }>(`SELECT span_count FROM sagas WHERE id = $1`, [sagaId]);
    expect(summary!.span_count).toBe(2);
  });
});
