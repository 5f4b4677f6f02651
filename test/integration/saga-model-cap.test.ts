/**
 * One saga, one model (issue #14 §7): above SAGASCOPE_MAX_SAGA_SPANS every
 * reader cuts the saga the same way (lib/saga/model-store.ts). The page, the
 * summary written on ingest, the per-saga topology and the rollup backfill
 * must describe the same saga — the earliest spans — not the page one saga and
 * the topology or the backfill another, built from all stored spans.
 */
import { detailJson } from '../../lib/saga-view/json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import { getSagaDetail } from '../../lib/db/read';
import { getTopology } from '../../lib/stats/store';
import { backfillRollups } from '../../lib/ingest/rollup-backfill';
import { modelConfigFrom } from '../../lib/config/model';
import type { SagaDetail } from '../../lib/api/types';

const MAX = 10;
let env: TestEnv;

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_MAX_SAGA_SPANS: String(MAX), SAGASCOPE_AUTH: 'off' });
});
afterAll(async () => {
  await env?.close();
});

const cfg = () => modelConfigFrom(env.config, Date.now());
const cap = () => env.config.SAGASCOPE_MAX_SAGA_SPANS;

/**
 * A saga of MAX succeeded steps on `orders` and `payments`, then — later by start,
 * so beyond the cut — three failed attempts of a step on `late-svc`.
 */
async function sendOversizedSaga(sagaId: string): Promise<void> {
  const traceId = hex(16);
  const t0 = Date.now() - 20_000;
  const attrs = (step: string, i: number) => ({ 'saga.id': sagaId, 'saga.name': 'capped', 'saga.step': step, 'saga.step.index': i, 'saga.op': 'action' });
  const early = Array.from({ length: MAX }, (_, i) => makeSpan({
    traceId, service: i % 2 ? 'payments' : 'orders', startMs: t0 + i * 10, endMs: t0 + i * 10 + 5, attributes: attrs(`s${i}`, i),
  }));
  const late = Array.from({ length: 3 }, (_, k) => makeSpan({
    traceId, service: 'late-svc', startMs: t0 + 5_000 + k * 10, endMs: t0 + 5_000 + k * 10 + 5,
    statusCode: 2, statusMessage: 'refused', attributes: { ...attrs('late', MAX), 'saga.step.attempt': k + 1 },
  }));
  const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson([...early, ...late]) });
  expect(res.status).toBe(200);
}

async function page(sagaId: string): Promise<SagaDetail> {
  const d = (detailJson(await getSagaDetail(env.db, sagaId, cfg(), cap())))!;
  // The page itself covers the first MAX spans and says so.
  expect(d.modelledSpans).toEqual({ modelled: MAX, stored: MAX + 3 });
  expect(d.steps.map((s) => s.service)).not.toContain('late-svc');
  return d;
}

interface SummaryRow {
  status: string;
  step_count: number;
  span_count: number;
  services: string[];
  failed_step: string | null;
  anomalies: string[];
}
const summary = async (id: string) =>
  (await env.db.query<SummaryRow>(`SELECT status, step_count, span_count, services, failed_step, anomalies FROM sagas WHERE id = $1`, [id]))[0]!;

function expectSummaryOfPage(row: SummaryRow, d: SagaDetail): void {
  expect({ status: row.status, stepCount: row.step_count, services: [...row.services].sort(), failedStep: row.failed_step, anomalies: [...row.anomalies].sort() })
    .toEqual({ status: d.saga.status, stepCount: d.saga.stepCount, services: [...d.saga.services].sort(), failedStep: d.saga.failedStep, anomalies: [...d.saga.anomalies].sort() });
  expect(row.span_count).toBe(MAX);
}

describe('a saga over SAGASCOPE_MAX_SAGA_SPANS is one saga everywhere', () => {
  it('its per-saga topology has the services and calls of the steps its page shows', async () => {
    await sendOversizedSaga('cap-topology');
    const d = await page('cap-topology');
    const t = (await getTopology(env.db, { fromMs: 0, toMs: Date.now(), sagaName: null, sagaId: 'cap-topology' }, cfg(), cap()))!;
    const services = [...new Set(d.steps.map((s) => s.service))].sort();
    expect(t.nodes.map((n) => n.service).sort()).toEqual(services);
    const callsOnPage = (service: string) => d.steps.filter((s) => s.service === service).length;
    for (const n of t.nodes) expect(n.calls, n.service).toBe(callsOnPage(n.service));
    expect(t.nodes.reduce((sum, n) => sum + n.errors, 0)).toBe(0); // the failed attempts are beyond the cut
  });

  it('the rollup backfill rebuilds the summary ingest wrote, which is the page\'s saga', async () => {
    await sendOversizedSaga('cap-backfill');
    const d = await page('cap-backfill');
    const ingested = await summary('cap-backfill');
    expectSummaryOfPage(ingested, d);
    // A summary from before rollups existed: the backfill models it again.
    await env.db.query(`UPDATE sagas SET rollup = NULL WHERE id = 'cap-backfill'`);
    const r = await backfillRollups(env.db, (now) => modelConfigFrom(env.config, now), { maxSagaSpans: cap() });
    expect(r).toMatchObject({ sagas: 1, complete: true });
    const rebuilt = await summary('cap-backfill');
    expectSummaryOfPage(rebuilt, d);
    expect(rebuilt).toEqual(ingested);
  });
});
