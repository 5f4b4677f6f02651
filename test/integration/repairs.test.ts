/**
 * Repairs are not faults (issue #14, DESIGN.md §3 "Manual remediation"), through
 * the collector into real PostgreSQL: a failed saga whose coordinator undid
 * create-order but failed to undo reserve-inventory, then — four minutes later —
 * the spans sagascope's manual compensation of reserve-inventory emits
 * (test/support/repaired-saga.ts). That compensation runs after create-order's
 * although reserve-inventory comes later in the saga: the order the issue saw
 * flagged as compensation_out_of_order. Afterwards the saga is compensated
 * with no new anomaly, the stats' duration and time-to-consistency figures are
 * what they were before the repair, time to repair is reported apart, and
 * sagascope is no node or edge of the topology.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { hex, makeSpan } from '../support/spans';
import { sendSpans } from '../support/failed-saga';
import { repairScenario } from '../support/repaired-saga';
import { ERROR_BOUND } from '../../lib/stats/histogram';
import type { FlatSpan } from '../../lib/otlp/types';
import type { SagaDetail, SagaList } from '../../lib/api/types';
import type { StatsResponse, TopologyResponse } from '../../lib/stats/types';
import * as statsRoute from '../../app/api/stats/route';
import * as topologyRoute from '../../app/api/topology/route';
import * as sagasRoute from '../../app/api/sagas/route';
import * as sagaRoute from '../../app/api/sagas/[id]/route';

const NOW = Date.now();
const FROM = new Date(NOW - 40 * 60_000).toISOString();
const TO = new Date(NOW + 60_000).toISOString();
const REPAIRED = `repair-${NOW.toString(36)}`;
const scenario = repairScenario({ id: REPAIRED, sagaStartMs: NOW - 5 * 60_000, repairStartMs: NOW - 60_000 });
let env: TestEnv;

async function get<T>(path: string, route: { GET(r: Request): Promise<Response> }): Promise<T> {
  const res = await route.GET(new Request(`http://127.0.0.1${path}`));
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

async function detail(id: string): Promise<SagaDetail> {
  const res = await sagaRoute.GET(new Request(`http://127.0.0.1/api/sagas/${id}`), { params: Promise.resolve({ id }) });
  expect(res.status).toBe(200);
  return (await res.json()) as SagaDetail;
}

const stats = () => get<StatsResponse>(`/api/stats?from=${FROM}&to=${TO}`, statsRoute);
const topology = (q = '') => get<TopologyResponse>(`/api/topology?from=${FROM}&to=${TO}${q}`, topologyRoute);

/** A checkout saga that compensated on its own (so the time-to-consistency figures are not empty). */
function selfCompensated(i: number): FlatSpan[] {
  const traceId = hex(16);
  const id = `own-${i}-${NOW.toString(36)}`;
  const t0 = NOW - 20 * 60_000 + i * 30_000;
  const base = { 'saga.id': id, 'saga.name': 'checkout', 'saga.protocol': 'saga' };
  const root = makeSpan({ traceId, service: 'orchestrator', name: 'saga', kind: 1, startMs: t0, endMs: t0 + 300 + i * 40, attributes: { ...base, 'saga.role': 'coordinator' } });
  const step = (step: string, service: string, op: string, at: number, dur: number, fail = false) =>
    makeSpan({
      traceId, parentSpanId: root.spanId, service, name: `${op} ${step}`, kind: 2, startMs: t0 + at, endMs: t0 + at + dur, statusCode: fail ? 2 : 0,
      attributes: { ...base, 'saga.role': 'participant', 'saga.step': step, 'saga.op': op, 'saga.attempt': 1 },
    });
  return [root, step('create-order', 'order', 'action', 10, 20), step('charge-payment', 'payment', 'action', 40, 30, true), step('create-order', 'order', 'compensate', 100, 50 + i * 40)];
}

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_AUTH: 'off', SAGASCOPE_TRANSITION_INTERVAL_MS: '3600000' });
  setSharedDb(env.db);
  for (let i = 0; i < 4; i++) await sendSpans(env.httpUrl, selfCompensated(i));
  await sendSpans(env.httpUrl, scenario.saga);
}, 60_000);

afterAll(async () => {
  await env?.close();
});

describe('a failed saga compensated by hand, four minutes later', () => {
  it('turns compensated with no new anomaly; its duration and time-to-consistency figures stay; time to repair is reported apart; sagascope is not in the topology', async () => {
    const before = await detail(REPAIRED);
    expect(before.saga.status).toBe('failed');
    expect(before.saga.anomalies).toEqual(['missing_compensation', 'compensation_failed']);
    const statsBefore = await stats();
    expect(statsBefore.totals.byStatus).toMatchObject({ compensated: 4, failed: 1 });
    expect(statsBefore.totals.ttcP95Ms).not.toBeNull();
    expect(statsBefore.totals.repaired).toBe(0);

    await sendSpans(env.httpUrl, scenario.repair);

    const after = await eventually(async () => {
      const d = await detail(REPAIRED);
      expect(d.steps.filter((s) => s.manual)).toHaveLength(1);
      return d;
    });
    // The saga: compensated, nothing new raised (no compensation_out_of_order for the late repair), the failed compensation made good.
    expect(after.saga.status).toBe('compensated');
    expect(after.saga.anomalies).toEqual([]);
    expect(after.anomalies).toEqual([]);
    // Its own run: the same start and duration as before the repair; no time to consistency of its own.
    expect(after.saga.startedAt).toBe(before.saga.startedAt);
    expect(after.saga.durationMs).toBe(before.saga.durationMs);
    expect(after.saga.timeToConsistencyMs).toBeNull();
    // Time to repair: charge-payment's failure → the end of the participant's record of the manual call.
    expect(after.saga.repairedAt).toBe(new Date(scenario.repairedAtMs).toISOString());
    expect(after.saga.timeToRepairMs).toBeCloseTo(scenario.repairedAtMs - scenario.failureEndMs, 3);
    // The list (summary columns) says the same.
    const list = await get<SagaList>(`/api/sagas?q=${REPAIRED}`, sagasRoute);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      status: 'compensated', anomalies: [], durationMs: before.saga.durationMs, timeToConsistencyMs: null,
      repairedAt: after.saga.repairedAt,
    });
    expect(list.items[0]!.timeToRepairMs).toBeCloseTo(after.saga.timeToRepairMs!, 3);

    // Charts: the saga moved from failed to compensated; durations and time to consistency did not move.
    const statsAfter = await stats();
    expect(statsAfter.totals.byStatus).toMatchObject({ compensated: 5, failed: 0 });
    for (const k of ['p50Ms', 'p95Ms', 'p99Ms', 'ttcP50Ms', 'ttcP95Ms'] as const) {
      expect(statsAfter.totals[k], k).toBe(statsBefore.totals[k]);
    }
    expect(statsAfter.totals.retries).toBe(statsBefore.totals.retries);
    expect(statsAfter.totals.repaired).toBe(1);
    const ttr = after.saga.timeToRepairMs!;
    expect(Math.abs(statsAfter.totals.ttrP95Ms! - ttr) / ttr).toBeLessThanOrEqual(ERROR_BOUND + 1e-9);

    // Topology: the participants the repair called are there; sagascope is no node and no edge.
    for (const t of [await topology(), await topology(`&sagaId=${REPAIRED}`)]) {
      expect(t.nodes.map((n) => n.service)).toEqual(expect.arrayContaining(['inventory', 'order', 'orchestrator']));
      expect(t.nodes.map((n) => n.service)).not.toContain('sagascope');
      expect(t.edges.filter((e) => e.source === 'sagascope' || e.target === 'sagascope')).toEqual([]);
    }
  });
});
