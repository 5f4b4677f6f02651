/**
 * Manual actions through the real route handlers, against PostgreSQL and the
 * collector: a failed saga's spans arrive through OTLP/HTTP, pointing
 * saga.compensate_url at a participant on 127.0.0.1 (allowlisted). Dry run,
 * execution in reverse order with the headers participants rely on, the audit
 * trail, the manual span coming back through the collector into the saga's own
 * timeline, stop-at-first-failure, idempotency keys, redirects, batches.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { auditForSaga } from '../../lib/audit/store';
import { createToken } from '../../lib/auth/accounts';
import { shutdownSelfTelemetry } from '../../lib/telemetry/self';
import type { ActionPlan } from '../../lib/actions/plan';
import type { CallResult } from '../../lib/actions/execute';
import type { BatchReport } from '../../lib/actions/run';
import type { AuditEntry, SagaDetail } from '../../lib/api/types';
import { apiRequest } from '../support/api-client';
import { previewThenAct } from '../support/actions';
import { answerOk, startTestParticipant, type TestParticipant } from '../support/participant';
import { compensateUrlOf, failedSagaSpans, sendSpans, FAILED_STEPS, type FailedSagaOptions } from '../support/failed-saga';
import { makeSpan, resourceFor } from '../support/spans';
import type { FlatSpan } from '../../lib/otlp/types';
import * as actionsRoute from '../../app/api/sagas/[id]/actions/route';
import * as batchRoute from '../../app/api/sagas/actions/route';
import * as sagaRoute from '../../app/api/sagas/[id]/route';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
const run = Date.now().toString(36);

let env: TestEnv;
let participant: TestParticipant;
let operator: string;
let viewer: string;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  // Read once, at the first request (lib/config/env.ts caches the configuration).
  process.env.SAGASCOPE_ACTION_ALLOWED_HOSTS = '127.0.0.1';
  process.env.SAGASCOPE_ACTION_TIMEOUT_MS = '1500';
  process.env.SAGASCOPE_SELF_OTLP_ENDPOINT = env.grpcUrl;
  participant = await startTestParticipant();
  operator = (await createToken(env.db, SYSTEM, { name: 'it operator', role: 'operator' })).token;
  viewer = (await createToken(env.db, SYSTEM, { name: 'it viewer', role: 'viewer' })).token;
});

afterAll(async () => {
  await shutdownSelfTelemetry();
  await participant?.close();
  await env?.close();
});

beforeEach(() => {
  participant.received.length = 0;
  participant.respond = answerOk;
});

async function seed(id: string, o: Partial<FailedSagaOptions> = {}): Promise<FailedSagaOptions> {
  const opts = { id, participant: participant.url, ...o };
  await sendSpans(env.httpUrl, failedSagaSpans(opts));
  return opts;
}

interface ActionResponse {
  ok?: boolean;
  error?: string;
  plan: ActionPlan;
  results?: CallResult[];
  audit?: AuditEntry[];
}

/** One request, as is. */
async function post(id: string, body: Record<string, unknown>, bearer = operator): Promise<{ status: number; body: ActionResponse }> {
  const res = await actionsRoute.POST(apiRequest('POST', `/api/sagas/${encodeURIComponent(id)}/actions`, { bearer, body }), {
    params: Promise.resolve({ id }),
  });
  return { status: res.status, body: (await res.json()) as ActionResponse };
}

/** As the UI does: a real run confirms a fresh preview (its planId). */
async function act(id: string, body: Record<string, unknown>, bearer = operator): Promise<{ status: number; body: ActionResponse }> {
  const res = await previewThenAct(
    (b) => actionsRoute.POST(apiRequest('POST', `/api/sagas/${encodeURIComponent(id)}/actions`, { bearer, body: b }), { params: Promise.resolve({ id }) }),
    body,
  );
  return { status: res.status, body: (await res.json()) as ActionResponse };
}

async function detail(id: string): Promise<SagaDetail> {
  const res = await sagaRoute.GET(apiRequest('GET', `/api/sagas/${encodeURIComponent(id)}`, { bearer: viewer }), { params: Promise.resolve({ id }) });
  expect(res.status).toBe(200);
  return (await res.json()) as SagaDetail;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

describe('POST /api/sagas/{id}/actions', () => {
  it('dry run: returns the plan in reverse step order with its evidence, and calls nothing', async () => {
    const o = await seed(`it-dry-${run}`);
    const { status, body } = await act(o.id, { action: 'compensate', dryRun: true });
    expect(status).toBe(200);
    expect(body.plan.refusal).toBeNull();
    expect(body.plan.calls.map((c) => [c.order, c.step, c.op, c.attempt, c.branchId, c.url])).toEqual([
      [1, 'reserve-inventory', 'compensate', 1, '02', compensateUrlOf(o, FAILED_STEPS[1])],
      [2, 'create-order', 'compensate', 1, '01', compensateUrlOf(o, FAILED_STEPS[0])],
    ]);
    expect(body.plan.calls.every((c) => /^sgs-[\w-]{32}$/.test(c.idempotencyKey))).toBe(true);
    expect(body.plan.evidence).toEqual({ status: 'failed', failedStep: 'charge-payment', anomalies: ['missing_compensation'], coordinatorStatus: null });
    expect(body).not.toHaveProperty('results');
    expect(participant.received).toHaveLength(0);
    expect(await auditForSaga(env.db, o.id)).toEqual([]);
  });

  it('compensate saga: calls in reverse order with the key, trace context and saga headers; audits; the manual steps arrive in the saga', async () => {
    const o = await seed(`it-exec-${run}`);
    const preview = await act(o.id, { action: 'compensate', dryRun: true });
    const { status, body } = await act(o.id, { action: 'compensate', reason: 'INC-7: stock stuck reserved' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.ok).toBe(true);

    // The participant, in reverse step order, with the recorded URL untouched.
    expect(participant.received.map((r) => `${r.method} ${r.path}?${r.query}`)).toEqual([
      `POST /inventory/release?gid=${o.id}&trans_type=saga&branch_id=02&op=compensate`,
      `POST /order/cancel?gid=${o.id}&trans_type=saga&branch_id=01&op=compensate`,
    ]);
    participant.received.forEach((r, i) => {
      const planned = preview.body.plan.calls[i]!;
      const result = body.results![i]!;
      expect(r.headers['idempotency-key']).toBe(planned.idempotencyKey);
      const tp = TRACEPARENT.exec(String(r.headers.traceparent));
      expect(tp, String(r.headers.traceparent)).not.toBeNull();
      expect([tp![1], tp![2]]).toEqual([result.traceId, result.spanId]);
      expect(r.headers).toMatchObject({
        'content-type': 'application/json',
        'x-saga-id': o.id,
        'x-saga-name': 'checkout',
        'x-saga-protocol': 'saga',
        'x-saga-step': planned.step,
        'x-saga-step-index': String(planned.index),
        'x-saga-branch-id': planned.branchId!,
        'x-saga-op': 'compensate',
        'x-saga-attempt': '1',
        'x-saga-trigger': 'manual',
      });
      expect(r.body).toBe('{}');
      expect(result).toMatchObject({ outcome: 'ok', httpStatus: 200, responseBody: '{"ok":true}', refusal: null, error: null });
    });

    // Audited: intent before, outcome after, per call; shown with the saga.
    const trail = await auditForSaga(env.db, o.id);
    expect(trail.map((e) => [e.action, e.step, e.outcome, e.actor, e.via])).toEqual([
      ['saga.compensate', 'reserve-inventory', 'intent', 'token:it operator', 'token'],
      ['saga.compensate', 'reserve-inventory', 'ok', 'token:it operator', 'token'],
      ['saga.compensate', 'create-order', 'intent', 'token:it operator', 'token'],
      ['saga.compensate', 'create-order', 'ok', 'token:it operator', 'token'],
    ]);
    expect(trail[0]!.reason).toBe('INC-7: stock stuck reserved');
    expect(trail[1]!.ref).toBe(trail[0]!.seq);
    expect(trail[0]!.request).toMatchObject({ url: compensateUrlOf(o, FAILED_STEPS[1]), idempotencyKey: preview.body.plan.calls[0]!.idempotencyKey });
    expect(trail[1]!.result).toMatchObject({ httpStatus: 200, traceId: body.results![0]!.traceId });
    expect(body.audit!.map((e) => e.seq)).toEqual(trail.map((e) => e.seq));

    // The UI's own spans came back through the collector: two manual compensation steps, saga compensated.
    const d = await eventually(async () => {
      const got = await detail(o.id);
      expect(got.steps.filter((s) => s.manual)).toHaveLength(2);
      return got;
    });
    expect(d.steps.filter((s) => s.manual).map((s) => [s.step, s.op, s.attempt, s.result, s.service])).toEqual([
      ['reserve-inventory', 'compensate', 1, 'success', 'sagascope'],
      ['create-order', 'compensate', 1, 'success', 'sagascope'],
    ]);
    expect(d.steps.filter((s) => !s.manual).every((s) => s.op === 'action')).toBe(true);
    expect(d.saga.status).toBe('compensated');
    expect(d.saga.anomalies).not.toContain('missing_compensation');
    expect(d.traceIds).toContain(body.results![0]!.traceId);
    expect(d.audit.map((e) => e.outcome)).toEqual(['intent', 'ok', 'intent', 'ok']);

    // Nothing left to do: the next attempt is refused, audited, and calls nothing.
    participant.received.length = 0;
    const again = await act(o.id, { action: 'compensate', reason: 'double check' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/^Refused: the saga is already compensated.*\(rule: a compensated saga is not undone twice\)$/);
    expect(participant.received).toHaveLength(0);
    expect((await auditForSaga(env.db, o.id)).at(-1)).toMatchObject({ outcome: 'refused', reason: 'double check', result: { by: 'plan' } });
  });

  it('stops at the first failure: the later compensation is not called; the failed manual attempt is recorded', async () => {
    const o = await seed(`it-stop-${run}`, { compensateQuery: { 'reserve-inventory': '&fail=1' } });
    participant.respond = (r) => (r.query.includes('fail=1') ? { status: 500, body: 'inventory database unavailable' } : answerOk());
    const { status, body } = await act(o.id, { action: 'compensate', reason: 'INC-8' });
    expect(status).toBe(502);
    expect(body.ok).toBe(false);
    expect(body.error).toMatch(/^call 1 \(reserve-inventory\) did not succeed: the participant answered HTTP 500/);
    expect(participant.received.map((r) => r.path)).toEqual(['/inventory/release']);
    expect(body.results!.map((r) => [r.step, r.outcome, r.httpStatus])).toEqual([
      ['reserve-inventory', 'failed', 500],
      ['create-order', 'not_called', null],
    ]);
    const trail = await auditForSaga(env.db, o.id);
    expect(trail.map((e) => [e.step, e.outcome])).toEqual([
      ['reserve-inventory', 'intent'],
      ['reserve-inventory', 'failed'],
    ]);
    expect(trail[1]!.result).toMatchObject({ httpStatus: 500, body: 'inventory database unavailable' });
    const d = await eventually(async () => {
      const got = await detail(o.id);
      expect(got.steps.some((s) => s.manual)).toBe(true);
      return got;
    });
    expect(d.steps.filter((s) => s.manual).map((s) => [s.step, s.attempt, s.result, s.error])).toEqual([
      ['reserve-inventory', 1, 'failure', 'the participant answered HTTP 500'],
    ]);
    expect(d.saga.status).toBe('failed');
  });

  it('idempotency keys: a dry run shows the keys that are sent; after a recorded failure the retry is a new attempt with a new key', async () => {
    const o = await seed(`it-keys-${run}`);
    const first = await act(o.id, { action: 'compensate', step: 'create-order', dryRun: true });
    const second = await act(o.id, { action: 'compensate', step: 'create-order', dryRun: true });
    expect(second.body.plan.calls).toEqual(first.body.plan.calls);
    const key1 = first.body.plan.calls[0]!.idempotencyKey;

    participant.respond = () => ({ status: 503, body: 'try later' });
    const failed = await act(o.id, { action: 'compensate', step: 'create-order', reason: 'INC-9 first try' });
    expect(failed.status).toBe(502);
    expect(participant.received.map((r) => [r.headers['idempotency-key'], r.headers['x-saga-attempt']])).toEqual([[key1, '1']]);

    participant.respond = answerOk;
    participant.received.length = 0;
    const retry = await act(o.id, { action: 'compensate', step: 'create-order', dryRun: true });
    expect(retry.body.plan.calls[0]).toMatchObject({ attempt: 2 });
    const key2 = retry.body.plan.calls[0]!.idempotencyKey;
    expect(key2).not.toBe(key1);
    const done = await act(o.id, { action: 'compensate', step: 'create-order', reason: 'INC-9 second try' });
    expect(done.status).toBe(200);
    expect(participant.received.map((r) => [r.headers['idempotency-key'], r.headers['x-saga-attempt']])).toEqual([[key2, '2']]);
    const manual = (await detail(o.id)).steps.filter((s) => s.manual).map((s) => [s.step, s.attempt, s.result]);
    expect(manual).toEqual([
      ['create-order', 1, 'failure'],
      ['create-order', 2, 'success'],
    ]);
  });

  it('serialises actions on one saga: a double submit of one preview calls the participant once, the second finds the saga changed', async () => {
    const o = await seed(`it-double-${run}`);
    participant.respond = () => ({ ...answerOk(), delayMs: 200 });
    const { planId } = (await post(o.id, { action: 'compensate', step: 'reserve-inventory', dryRun: true })).body.plan;
    const [a, b] = await Promise.all([
      post(o.id, { action: 'compensate', step: 'reserve-inventory', reason: 'click', planId }),
      post(o.id, { action: 'compensate', step: 'reserve-inventory', reason: 'click again', planId }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const second = [a, b].find((r) => r.status === 409)!.body as ActionResponse & { stale?: boolean };
    expect(second.stale).toBe(true);
    expect(second.error).toMatch(/changed since your preview.*Preview again/);
    // What the operator would now see: the step is done.
    expect(second.plan.refusal).toMatch(/step "reserve-inventory" is already undone/);
    expect(participant.received).toHaveLength(1);
  });

  it('retry step: calls the recorded action URL of a failed step with the next attempt', async () => {
    const id = `it-retry-${run}`;
    const spans = failedSagaSpans({ id, participant: participant.url });
    const payment = spans.find((s) => s.attributes['saga.step'] === 'charge-payment')!;
    (payment.attributes as Record<string, unknown>)['saga.action_url'] = `${participant.url}/payment/charge?gid=${id}&trans_type=saga&branch_id=03&op=action`;
    await sendSpans(env.httpUrl, spans);
    const { status, body } = await act(id, { action: 'retry', step: 'charge-payment', reason: 'card limit raised' });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(participant.received.map((r) => [r.path, r.headers['x-saga-op'], r.headers['x-saga-attempt']])).toEqual([['/payment/charge', 'action', '2']]);
    expect((await auditForSaga(env.db, id)).map((e) => [e.action, e.outcome])).toEqual([
      ['saga.retry', 'intent'],
      ['saga.retry', 'ok'],
    ]);
  });

  it('does not follow a redirect: the call is refused (502), audited, and the target is never reached', async () => {
    const target = await startTestParticipant();
    try {
      const o = await seed(`it-redirect-${run}`, { compensateQuery: { 'reserve-inventory': '&redirect=1' } });
      participant.respond = (r) =>
        r.query.includes('redirect=1') ? { status: 307, headers: { location: `${target.url}/steal` } } : answerOk();
      const { status, body } = await act(o.id, { action: 'compensate', reason: 'INC-10' });
      expect(status).toBe(502);
      expect(body.results!.map((r) => r.outcome)).toEqual(['refused', 'not_called']);
      expect(body.results![0]!.refusal).toMatchObject({ reason: 'redirect' });
      expect(target.received).toHaveLength(0);
      expect(participant.received).toHaveLength(1);
      const trail = await auditForSaga(env.db, o.id);
      expect(trail.map((e) => e.outcome)).toEqual(['intent', 'refused']);
      expect(trail[1]!.result).toMatchObject({ refusal: { reason: 'redirect' } });
    } finally {
      await target.close();
    }
  });

  it('validates the body and the saga', async () => {
    const o = await seed(`it-valid-${run}`);
    expect((await act(o.id, { action: 'compensate' })).status).toBe(400);
    const short = await act(o.id, { action: 'compensate', reason: 'no' });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatch(/reason/);
    expect((await act(o.id, { action: 'undo', reason: 'valid reason' })).status).toBe(400);
    expect((await act(o.id, { action: 'compensate', reason: 'x'.repeat(501) })).status).toBe(400);
    expect((await act(o.id, { action: 'compensate', reason: 'fine', extra: 1 })).status).toBe(400);
    expect((await act(`missing-${run}`, { action: 'compensate', dryRun: true })).status).toBe(404);
    const unknownStep = await act(o.id, { action: 'compensate', step: 'nope', reason: 'testing' });
    expect(unknownStep.status).toBe(409);
    expect(unknownStep.body.error).toBe('Refused: this saga has no step "nope"');
    expect(participant.received).toHaveLength(0);
  });

  it('is refused to viewers', async () => {
    const o = await seed(`it-viewer-${run}`);
    const { status } = await act(o.id, { action: 'compensate', reason: 'I am a viewer' }, viewer);
    expect(status).toBe(403);
    expect(participant.received).toHaveLength(0);
  });
});

/** A coordinator's compensation of one step of a seeded saga, as its participant reports it. */
function compensationSpan(o: FailedSagaOptions, stepName: 'create-order' | 'reserve-inventory', atMs: number): FlatSpan {
  const s = FAILED_STEPS.find((x) => x.step === stepName)!;
  return makeSpan({
    name: `POST ${s.path}`,
    startMs: atMs,
    endMs: atMs + 5,
    resource: resourceFor(s.service),
    attributes: {
      'saga.id': o.id, 'saga.name': 'checkout', 'saga.protocol': 'saga', 'saga.role': 'participant', 'saga.step': s.step,
      'saga.step.index': FAILED_STEPS.indexOf(s) + 1, 'saga.branch_id': s.branch, 'saga.op': 'compensate', 'saga.attempt': 1,
    },
  });
}

describe('safety: a preview binds what runs, unsafe actions are refused', () => {
  it('a real run without a planId is a 400 that says to preview first', async () => {
    const o = await seed(`it-noplan-${run}`);
    const r = await post(o.id, { action: 'compensate', reason: 'straight to it' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/preview first \(dryRun: true\) and send the planId/);
    expect(participant.received).toHaveLength(0);
  });

  it('a previewed saga that changed since: 409 with the new plan, nothing called, audited as stale', async () => {
    const o = await seed(`it-stale-${run}`);
    const preview = await post(o.id, { action: 'compensate', dryRun: true });
    // The coordinator undid reserve-inventory meanwhile.
    await sendSpans(env.httpUrl, [compensationSpan(o, 'reserve-inventory', Date.now() - 1_000)]);
    const r = await post(o.id, { action: 'compensate', reason: 'INC-12', planId: preview.body.plan.planId });
    expect(r.status).toBe(409);
    expect((r.body as { stale?: boolean }).stale).toBe(true);
    expect(r.body.error).toBe('new spans arrived or the saga changed since your preview, so its plan is no longer the one you confirmed; nothing was called. Preview again');
    // The new plan, for "preview again": only create-order is left.
    expect(r.body.plan.calls.map((c) => c.step)).toEqual(['create-order']);
    expect(r.body.plan.planId).not.toBe(preview.body.plan.planId);
    expect(participant.received).toHaveLength(0);
    expect((await auditForSaga(env.db, o.id)).map((e) => [e.outcome, (e.result as { by: string }).by])).toEqual([['refused', 'stale']]);
    // Confirming the new preview works.
    const ok = await post(o.id, { action: 'compensate', reason: 'INC-12 again', planId: r.body.plan.planId });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(participant.received.map((x) => x.path)).toEqual(['/order/cancel']);
  });

  it('forward retry once compensation has begun: 409 naming the rule, nothing called', async () => {
    const id = `it-noretry-${run}`;
    const o = { id, participant: participant.url };
    const spans = failedSagaSpans(o);
    const payment = spans.find((s) => s.attributes['saga.step'] === 'charge-payment')!;
    (payment.attributes as Record<string, unknown>)['saga.action_url'] = `${participant.url}/payment/charge?gid=${id}&op=action`;
    await sendSpans(env.httpUrl, [...spans, compensationSpan(o, 'reserve-inventory', spans[0]!.startMs + 90)]);
    const r = await act(id, { action: 'retry', step: 'charge-payment', reason: 'book it anyway' });
    expect(r.status).toBe(409);
    expect((r.body as { rule?: string }).rule).toBe('forward_retry_after_compensation');
    expect(r.body.error).toMatch(/compensation has begun \(step "reserve-inventory" was undone first\).*Compensate the remaining steps instead/);
    expect(participant.received).toHaveLength(0);
    expect((await auditForSaga(env.db, id)).map((e) => [e.outcome, (e.result as { rule: string }).rule])).toEqual([['refused', 'forward_retry_after_compensation']]);
  });

  it('compensation of a saga its coordinator is still driving: 409; an admin may override by typing the saga id, audited as such', async () => {
    const id = `it-active-${run}`;
    const o = { id, participant: participant.url };
    // The steps arrived just now and the coordinator's root span has not (it has not ended): compensating.
    await sendSpans(env.httpUrl, failedSagaSpans(o).slice(1).map((s) => ({ ...s, startMs: s.startMs + 9_000, endMs: s.endMs + 9_000 })));
    expect((await detail(id)).saga.status).toBe('compensating');
    const preview = await post(id, { action: 'compensate', dryRun: true });
    expect(preview.body.plan).toMatchObject({ rule: 'coordinator_active', overridable: true });
    expect(preview.body.plan.refusal).toMatch(/the coordinator is still driving this saga \(status compensating/);
    expect(preview.body.plan.calls).toHaveLength(2);
    const planId = preview.body.plan.planId;

    const refused = await post(id, { action: 'compensate', reason: 'it looks stuck', planId });
    expect([refused.status, (refused.body as { rule?: string }).rule]).toEqual([409, 'coordinator_active']);
    // An operator cannot override; an admin must type the right id.
    const admin = (await createToken(env.db, SYSTEM, { name: `it admin ${id}`, role: 'admin' })).token;
    expect((await post(id, { action: 'compensate', reason: 'override', planId, override: { sagaId: id } })).status).toBe(409);
    expect((await post(id, { action: 'compensate', reason: 'override', planId, override: { sagaId: 'it-active' } }, admin)).status).toBe(409);
    expect(participant.received).toHaveLength(0);

    const forced = await post(id, { action: 'compensate', reason: 'orchestrator pod is gone', planId, override: { sagaId: id } }, admin);
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(participant.received.map((x) => x.path)).toEqual(['/inventory/release', '/order/cancel']);
    const intents = (await auditForSaga(env.db, id)).filter((e) => e.outcome === 'intent');
    expect(intents).toHaveLength(2);
    expect(intents.every((e) => (e.request as { override?: boolean; overriddenRule?: string }).override === true)).toBe(true);
    expect(intents.every((e) => (e.request as { overriddenRule?: string }).overriddenRule === 'coordinator_active')).toBe(true);
  });
});

describe('POST /api/sagas/actions (batch)', () => {
  async function batch(body: Record<string, unknown>, bearer = operator): Promise<{ status: number; body: BatchReport & { error?: string } }> {
    const res = await batchRoute.POST(apiRequest('POST', '/api/sagas/actions', { bearer, body }));
    return { status: res.status, body: (await res.json()) as BatchReport & { error?: string } };
  }

  it('plans and then compensates every saga of a filter on its own; one failure does not stop the others', async () => {
    const tag = `it-batch-${run}`;
    const good = await seed(`${tag}-a`);
    const bad = await seed(`${tag}-b`, { compensateQuery: { 'reserve-inventory': '&fail=1' } });
    // A saga in the same selection that cannot be compensated: not failed, nothing to do.
    participant.respond = (r) => (r.query.includes('fail=1') ? { status: 500, body: 'boom' } : answerOk());

    const filter = { status: 'failed', name: 'checkout' };
    const preview = await batch({ filter, action: 'compensate', dryRun: true, limit: 100 });
    expect(preview.status).toBe(200);
    const mine = (r: BatchReport) => r.items.filter((i) => i.sagaId.startsWith(tag)).sort((x, y) => x.sagaId.localeCompare(y.sagaId));
    expect(mine(preview.body).map((i) => [i.sagaId, i.outcome, i.plan!.calls.length])).toEqual([
      [good.id, 'planned', 2],
      [bad.id, 'planned', 2],
    ]);
    expect(preview.body.audit).toEqual([]);
    expect(participant.received).toHaveLength(0);

    const selection = preview.body.selection.filter((x) => x.sagaId.startsWith(tag));
    expect(selection.map((x) => x.sagaId).sort()).toEqual([good.id, bad.id]);
    const done = await batch({ filter, selection, action: 'compensate', reason: 'INC-11 bulk cleanup' });
    expect(done.status).toBe(200);
    const items = mine(done.body);
    expect(items.map((i) => [i.sagaId, i.outcome, i.results.map((r) => r.outcome)])).toEqual([
      [good.id, 'ok', ['ok', 'ok']],
      [bad.id, 'failed', ['failed', 'not_called']],
    ]);
    expect(items[1]!.error).toMatch(/HTTP 500/);
    expect(done.body.audit.map((e) => [e.action, e.outcome])).toEqual([
      ['saga.batch.compensate', 'intent'],
      ['saga.batch.compensate', 'failed'],
    ]);
    const batchSeq = done.body.audit[0]!.seq;
    expect(done.body.audit[0]!.request).toMatchObject({ filter, selection });
    const goodTrail = await auditForSaga(env.db, good.id);
    expect(goodTrail.map((e) => e.outcome)).toEqual(['intent', 'ok', 'intent', 'ok']);
    expect(goodTrail.every((e) => (e.request as { batch?: number }).batch === batchSeq)).toBe(true);
  });

  it('acts on the previewed sagas only: a third matching saga that arrives before confirm is left alone', async () => {
    const tag = `it-bind-${run}`;
    const name = `bind-${run}`;
    const first = await seed(`${tag}-1`, { name });
    const second = await seed(`${tag}-2`, { name });
    const preview = await batch({ filter: { status: 'failed', name }, action: 'compensate', dryRun: true, limit: 2 });
    expect(preview.body.selection.map((x) => x.sagaId).sort()).toEqual([first.id, second.id]);
    // Newest first with limit 2: re-running the filter now would pick the third and drop one of the two.
    const third = await seed(`${tag}-3`, { name });
    const rerun = await batch({ filter: { status: 'failed', name }, action: 'compensate', dryRun: true, limit: 2 });
    expect(rerun.body.items.map((i) => i.sagaId)).toContain(third.id);

    const done = await batch({ selection: preview.body.selection, action: 'compensate', reason: 'INC-13 the two I checked' });
    expect(done.status).toBe(200);
    expect(done.body.items.map((i) => [i.sagaId, i.outcome]).sort()).toEqual([[first.id, 'ok'], [second.id, 'ok']]);
    const called = new Set(participant.received.map((r) => new URLSearchParams(r.query).get('gid')));
    expect([...called].sort()).toEqual([first.id, second.id]);
    expect(await auditForSaga(env.db, third.id)).toEqual([]);
  });

  it('a previewed saga that changed before confirm is reported stale and not called; the others go ahead', async () => {
    const tag = `it-bstale-${run}`;
    const name = `bstale-${run}`;
    const a = await seed(`${tag}-a`, { name });
    const b = await seed(`${tag}-b`, { name });
    const preview = await batch({ filter: { name }, action: 'compensate', dryRun: true });
    await sendSpans(env.httpUrl, [compensationSpan(b, 'reserve-inventory', Date.now() - 1_000)]);
    const done = await batch({ selection: preview.body.selection, action: 'compensate', reason: 'INC-14' });
    const byId = new Map(done.body.items.map((i) => [i.sagaId, i]));
    expect(byId.get(a.id)!.outcome).toBe('ok');
    expect(byId.get(b.id)!.outcome).toBe('stale');
    expect(byId.get(b.id)!.error).toMatch(/Preview again/);
    expect(done.body.counts).toMatchObject({ ok: 1, stale: 1 });
    expect(participant.received.every((r) => new URLSearchParams(r.query).get('gid') === a.id)).toBe(true);
  });

  it('validates the filter and the limit', async () => {
    expect((await batch({ filter: { status: 'gone' }, action: 'compensate', dryRun: true })).status).toBe(400);
    expect((await batch({ filter: { cursor: 'x' }, action: 'compensate', dryRun: true })).status).toBe(400);
    expect((await batch({ action: 'compensate', dryRun: true, limit: 101 })).status).toBe(400);
    // Acting needs the preview's selection; a preview takes none.
    const noSelection = await batch({ action: 'compensate', reason: 'act on the filter', filter: { status: 'failed' } });
    expect([noSelection.status, noSelection.body.error]).toEqual([400, expect.stringMatching(/preview first \(dryRun: true\) and send the `selection`/)]);
    expect((await batch({ action: 'compensate', dryRun: true, selection: [{ sagaId: 'x', planId: `pl_${'a'.repeat(32)}` }] })).status).toBe(400);
    expect((await batch({ action: 'compensate', reason: 'twice', selection: [{ sagaId: 'x', planId: `pl_${'a'.repeat(32)}` }, { sagaId: 'x', planId: `pl_${'a'.repeat(32)}` }] })).status).toBe(400);
    expect((await batch({ action: 'compensate', dryRun: true }, viewer)).status).toBe(403);
  });
});
