/**
 * Zero-code DTM sagas end to end (issue #16 parts 1–2): spans exactly as DTM
 * leaves them (test/support/dtm-fixtures.ts: stock HTTP server spans with DTM's
 * query parameters, a 409 leaving the status unset, DTM's retry timing) sent
 * over OTLP/HTTP to the collector on real PostgreSQL; the summary written on
 * ingest (the list) and the model built on read (the saga page) agree on the
 * verdict and on the name, SAGASCOPE_SAGA_NAME_RULES included.
 */
import { detailJson } from '../../lib/saga-view/json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { toOtlpJson } from '../support/spans';
import { DtmTransaction } from '../support/dtm-fixtures';
import { getSagaDetail, listSagas } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';
import type { FlatSpan } from '../../lib/otlp/types';

const tag = randomBytes(3).toString('hex');
let env: TestEnv;

/** The transaction's spans, moved so that its last one ended `agoMs` before now. */
function recent(t: DtmTransaction, agoMs: number): FlatSpan[] {
  const spans = t.flatSpans();
  const last = Math.max(...spans.map((s) => s.endMs));
  const shift = Date.now() - agoMs - last;
  return spans.map((s) => ({ ...s, startMs: s.startMs + shift, endMs: s.endMs + shift }));
}

/** 01 succeeds, 02 answers 409 (FAILURE), DTM compensates 02 then 01 (its compensation answering `comp01`). */
function failedTransfer(gid: string, seed: number, comp01: Array<'SUCCESS' | 'ERROR'>): DtmTransaction {
  // The seed makes the trace and span ids: distinct per transaction and per run.
  const t = new DtmTransaction({ transType: 'saga', gid, seed: (parseInt(tag, 16) % 10_000) * 10 + seed });
  t.call('01', 'action', '/api/busi/TransOut', 'SUCCESS', { at: 0 });
  t.call('02', 'action', '/api/busi/TransIn', 'FAILURE');
  t.call('02', 'compensate', '/api/busi/TransInRevert', 'SUCCESS');
  t.retried('01', 'compensate', '/api/busi/TransOutRevert', comp01);
  return t;
}

const transfer = `transfer-${tag}`;
const refund = `refund-${tag}`;
const retrying = `retrying-${tag}`;

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_SAGA_NAME_RULES: '[{"name":"refund","gid":"^refund-"}]' });
  const spans = [
    ...recent(failedTransfer(transfer, 1, ['SUCCESS']), 5_000),
    ...recent(failedTransfer(refund, 2, ['SUCCESS']), 5_000),
    // DTM retried the compensation at 10, 20, 40 s; the last attempt, two minutes ago, failed too.
    ...recent(failedTransfer(retrying, 3, ['ERROR', 'ERROR', 'ERROR', 'ERROR']), 120_000),
  ];
  const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson(spans) });
  expect(res.status).toBe(200);
  expect(new Set(spans.map((s) => `${s.traceId}/${s.spanId}`)).size).toBe(spans.length);
});

afterAll(async () => {
  await env?.close();
});

async function both(id: string) {
  return eventually(async () => {
    const now = Date.now();
    const detail = detailJson(await getSagaDetail(env.db, id, modelConfigFrom(env.config, now), env.config.SAGASCOPE_MAX_SAGA_SPANS));
    const listed = (await listSagas(env.db, { q: id, limit: 1 }, now)).items[0];
    if (!detail || !listed) throw new Error(`${id} not stored yet`);
    return { detail, listed };
  });
}

describe('zero-code DTM sagas through the collector', () => {
  it('a 409 (status unset) is the failed step; compensated; named by the first branch route in list and page', async () => {
    const { detail, listed } = await both(transfer);
    expect(detail.saga).toMatchObject({ status: 'compensated', failedStep: '/api/busi/TransIn', anomalies: [], name: '/api/busi/TransOut' });
    expect(listed).toMatchObject({ status: 'compensated', name: '/api/busi/TransOut' });
    const byName = await listSagas(env.db, { name: '/api/busi/TransOut', limit: 10 });
    // One flow, one name: the retrying transfer runs the same branches (the refund is renamed by its rule).
    expect(byName.items.map((s) => s.id).sort()).toEqual([retrying, transfer].sort());
  });

  it('SAGASCOPE_SAGA_NAME_RULES names a saga on ingest and on read alike', async () => {
    const { detail, listed } = await both(refund);
    expect([detail.saga.name, listed.name]).toEqual(['refund', 'refund']);
  });

  it('a compensation DTM still retries is compensating past the grace period, not failed', async () => {
    const { detail, listed } = await both(retrying);
    expect(env.config.SAGASCOPE_FAILED_GRACE_MS).toBeLessThan(120_000);
    expect(detail.saga.status).toBe('compensating');
    expect(detail.saga.anomalies).toEqual([]);
    expect(listed.status).toBe('compensating');
    expect(detail.steps.filter((s) => s.op === 'compensate' && s.index === 1).map((s) => s.result)).toEqual(['transient', 'transient', 'transient', 'transient']);
  });
});
