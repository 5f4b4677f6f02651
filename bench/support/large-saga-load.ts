/**
 * One very large saga, stored the way the collector stores it: OTLP-shaped
 * spans → toSpanRows (the collector's edge) → COPY for the bulk, then the last
 * batch through writeSpanBatch, whose phase 2 reloads every span of the saga
 * and writes its summary and rollups with the real model.
 */
import type { FlatSpan, Attributes } from '../../lib/otlp/types';
import { toSpanRows } from '../../lib/ingest/span-row';
import { spanCopyLine, COLUMN_LIST, writeSpanBatch } from '../../lib/ingest/span-writer';
import { copyChunks } from '../../lib/db/copy-chunks';
import { modelConfigFrom } from '../../lib/config/model';
import { parseConfig } from '../../lib/config/env';
import type { Db } from '../../lib/db/connection';

const SERVICES = ['order', 'inventory', 'payment', 'shipping'];
const resources = new Map<string, Attributes>(
  ['orchestrator', ...SERVICES].map((s) => [s, Object.freeze({ 'service.name': s, 'service.version': '1.4.2', 'host.name': `${s}-7f9c` })]),
);

/**
 * `stepRecords` step executions (timeline rows): forward actions of
 * stepRecords/2 distinct steps, one of them retried once, the last failing,
 * then every succeeded step compensated in reverse order.
 */
export function largeSagaSpans(sagaId: string, stepRecords: number, startMs: number): FlatSpan[] {
  const forward = Math.floor(stepRecords / 2);
  const traceId = sagaId.replace(/[^0-9a-f]/g, '').padEnd(32, '0').slice(0, 32);
  const rootId = '0'.repeat(15) + '1';
  let seq = 2;
  let t = startMs + 1;
  const spans: FlatSpan[] = [];
  const name = (i: number) => `step-${String(i).padStart(5, '0')}`;
  const stepSpan = (i: number, op: 'action' | 'compensate', ok: boolean, attempt = 1): void => {
    const service = SERVICES[i % SERVICES.length]!;
    const step = name(i);
    const dur = 2 + ((i * 7919) % 17);
    spans.push({
      traceId,
      spanId: (seq++).toString(16).padStart(16, '0'),
      parentSpanId: rootId,
      name: `POST /${step}/${op}`,
      kind: 2,
      startMs: t,
      endMs: t + dur,
      statusCode: ok ? 0 : 2,
      statusMessage: ok ? null : `${step} ${op} failed: upstream returned 500`,
      attributes: {
        'saga.id': sagaId,
        'saga.name': 'bulk-settlement',
        'saga.role': 'participant',
        'saga.step': step,
        'saga.step.index': i + 1,
        'saga.op': op,
        'saga.attempt': attempt,
        'saga.action_url': `http://${service}:8080/${step}/action`,
        'saga.compensate_url': `http://${service}:8080/${step}/compensate`,
        'http.request.method': 'POST',
        'url.full': `http://${service}:8080/${step}/${op}?gid=${sagaId}`,
        'http.response.status_code': ok ? 200 : 500,
      },
      resource: resources.get(service)!,
      scope: '@opentelemetry/instrumentation-http',
      events: null,
    });
    t += dur + 1;
  };
  for (let i = 0; i < forward; i++) {
    if (i === 1) stepSpan(i, 'action', false, 1);
    stepSpan(i, 'action', i !== forward - 1, i === 1 ? 2 : 1);
  }
  for (let i = forward - 2; i >= 0; i--) stepSpan(i, 'compensate', true);
  spans.push({
    traceId,
    spanId: rootId,
    parentSpanId: null,
    name: 'saga bulk-settlement',
    kind: 1,
    startMs,
    endMs: t + 1,
    statusCode: 2,
    statusMessage: null,
    attributes: { 'saga.id': sagaId, 'saga.name': 'bulk-settlement', 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
    resource: resources.get('orchestrator')!,
    scope: 'orchestrator',
    events: null,
  });
  return spans;
}

/** Stores the saga; returns how many spans were written. */
export async function storeLargeSaga(db: Db, spans: readonly FlatSpan[]): Promise<number> {
  const rows = toSpanRows(spans);
  // The last batch, which writes the summary, carries the root and every resource.
  const tail = rows.slice(-1000);
  const bulk = rows.slice(0, -1000);
  const resourceRows = new Map<string, string>();
  for (const r of rows) resourceRows.set(r.resourceId, r.resourceJson);
  await db.query(`INSERT INTO resources (id, attributes) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (id) DO NOTHING`, [
    [...resourceRows.keys()],
    [...resourceRows.values()],
  ]);
  await db.transaction(async (tx) => {
    if (!tx.copyFrom) throw new Error('the benchmark needs a PostgreSQL server (COPY)');
    await tx.copyFrom(`COPY spans (${COLUMN_LIST}) FROM STDIN`, copyChunks(bulk, spanCopyLine));
  });
  const config = parseConfig({ DATABASE_URL: 'postgres://unused', SAGASCOPE_LOG_LEVEL: 'warn' });
  const written = await writeSpanBatch(db, tail, (now) => modelConfigFrom(config, now), { maxSagaSpans: config.SAGASCOPE_MAX_SAGA_SPANS });
  if (written.sagasUpdated !== 1) throw new Error(`expected one saga summary, got ${written.sagasUpdated}`);
  return bulk.length + written.stored;
}

