/**
 * SSRF at the route level: manual actions whose recorded URL points at a host
 * that is not on the allowlist, or at an allowlisted name that resolves to a
 * blocked address (here `localhost` with SAGASCOPE_ACTION_BLOCKED_CIDRS=127.0.0.0/8),
 * are refused before anything is called: 409, nothing reaches the listener,
 * and the refusal is in the audit trail. (Redirects: actions.test.ts, which
 * needs loopback reachable.) IPv6 literals that carry a blocked IPv4 address
 * (mapped, compatible, NAT64, 6to4, Teredo) are refused like that address.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { auditForSaga, verifyAuditChain } from '../../lib/audit/store';
import { createToken } from '../../lib/auth/accounts';
import { shutdownSelfTelemetry } from '../../lib/telemetry/self';
import type { ActionPlan } from '../../lib/actions/plan';
import { apiRequest } from '../support/api-client';
import { startTestParticipant, type TestParticipant } from '../support/participant';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import * as actionsRoute from '../../app/api/sagas/[id]/actions/route';
import * as batchRoute from '../../app/api/sagas/actions/route';
import { previewThenAct, selectionOf } from '../support/actions';

const run = Date.now().toString(36);

/** IPv6 forms of a blocked IPv4 address (127.0.0.5 in the blocked 127.0.0.0/8, or link-local metadata), as URL hosts. */
const CARRIERS = [
  ['IPv4-mapped', '[::ffff:7f00:5]', '127.0.0.0/8'],
  ['IPv4-compatible', '[::7f00:5]', '127.0.0.0/8'],
  ['IPv4-translated', '[::ffff:0:7f00:5]', '127.0.0.0/8'],
  ['NAT64 64:ff9b::/96', '[64:ff9b::7f00:5]', '127.0.0.0/8'],
  ['NAT64 local-use 64:ff9b:1::/48', '[64:ff9b:1::7f00:5]', '127.0.0.0/8'],
  ['6to4', '[2002:7f00:5::1]', '127.0.0.0/8'],
  ['Teredo', '[2001:0:4136:e378:8000:63bf:80ff:fffa]', '127.0.0.0/8'],
  ['IPv4-compatible metadata address', '[::a9fe:a9fe]', '169.254.0.0/16'],
  ['NAT64 metadata address', '[64:ff9b::a9fe:a9fe]', '169.254.0.0/16'],
] as const;
let env: TestEnv;
let participant: TestParticipant;
let operator: string;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  // The IPv6 literals are allowlisted on purpose: only the address policy stands between them and loopback.
  process.env.SAGASCOPE_ACTION_ALLOWED_HOSTS = ['localhost', ...CARRIERS.map(([, host]) => host)].join(',');
  process.env.SAGASCOPE_ACTION_BLOCKED_CIDRS = '127.0.0.0/8';
  process.env.SAGASCOPE_SELF_OTLP_ENDPOINT = env.grpcUrl;
  participant = await startTestParticipant();
  operator = (await createToken(env.db, { actor: 'test', role: 'system', via: 'system' }, { name: 'ssrf operator', role: 'operator' })).token;
});

afterAll(async () => {
  await shutdownSelfTelemetry();
  await participant?.close();
  await env?.close();
});

beforeEach(() => {
  participant.received.length = 0;
});

async function act(id: string, body: Record<string, unknown>) {
  const res = await previewThenAct(
    (b) => actionsRoute.POST(apiRequest('POST', `/api/sagas/${id}/actions`, { bearer: operator, body: b }), { params: Promise.resolve({ id }) }),
    body,
  );
  return { status: res.status, body: (await res.json()) as { error?: string; plan: ActionPlan } };
}

const port = () => new URL(participant.url).port;

describe('manual actions refused by the network policy', () => {
  it('refuses a host that is not on the allowlist: 409, nothing called, audited', async () => {
    const id = `ssrf-host-${run}`;
    // 127.0.0.1 itself is not allowlisted (only the name localhost is).
    await sendSpans(env.httpUrl, failedSagaSpans({ id, participant: participant.url }));

    const preview = await act(id, { action: 'compensate', dryRun: true });
    expect(preview.status).toBe(200);
    expect(preview.body.plan.refusal).toBe(`call 1 (reserve-inventory) refused: host 127.0.0.1:${port()} is not on the action allowlist`);
    expect(preview.body.plan.calls).toHaveLength(2);

    const { status, body } = await act(id, { action: 'compensate', reason: 'try anyway' });
    expect(status).toBe(409);
    expect(body.error).toMatch(/is not on the action allowlist/);
    expect(participant.received).toHaveLength(0);
    const trail = await auditForSaga(env.db, id);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      action: 'saga.compensate',
      outcome: 'refused',
      reason: 'try anyway',
      actor: 'token:ssrf operator',
      result: { by: 'policy', reason: 'host_not_allowed', order: 1, refusal: body.error },
    });
    expect((trail[0]!.request as { calls: { url: string }[] }).calls.map((c) => c.url)).toEqual(body.plan.calls.map((c) => c.url));
  });

  it('refuses an allowlisted name that resolves to a blocked address: 409, nothing called, audited', async () => {
    const id = `ssrf-blocked-${run}`;
    const viaName = participant.url.replace('127.0.0.1', 'localhost');
    await sendSpans(env.httpUrl, failedSagaSpans({ id, participant: viaName }));
    const { status, body } = await act(id, { action: 'compensate', step: 'create-order', reason: 'rebinding attempt' });
    expect(status).toBe(409);
    expect(body.error).toMatch(/^call 1 \(create-order\) refused: localhost resolves to 127\.0\.0\.1 is in a blocked range/);
    expect(participant.received).toHaveLength(0);
    const trail = await auditForSaga(env.db, id);
    expect(trail.map((e) => [e.outcome, (e.result as { reason: string }).reason])).toEqual([['refused', 'blocked_address']]);
  });

  it('refuses a mixed plan as a whole: no step is undone when a later one is forbidden', async () => {
    const id = `ssrf-mixed-${run}`;
    const viaName = participant.url.replace('127.0.0.1', 'localhost');
    await sendSpans(
      env.httpUrl,
      failedSagaSpans({ id, participant: viaName, compensateUrl: { 'create-order': 'http://169.254.169.254/latest/meta-data/' } }),
    );
    const { status, body } = await act(id, { action: 'compensate', reason: 'bulk' });
    expect(status).toBe(409);
    // The first call of the plan is already refused (blocked loopback); the metadata URL is never reached either.
    expect(body.error).toMatch(/^call 1 \(reserve-inventory\) refused/);
    expect(participant.received).toHaveLength(0);
  });

  it('batch: each refused saga is reported and audited, and nothing is called', async () => {
    const id = `ssrf-batch-${run}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, participant: participant.url }));
    const preview = await batchRoute.POST(
      apiRequest('POST', '/api/sagas/actions', { bearer: operator, body: { filter: { q: id }, action: 'compensate', dryRun: true } }),
    );
    const previewed = (await preview.json()) as { items: { sagaId: string; plan: { planId: string } | null }[]; selection: unknown[] };
    // The preview already says it: nothing may be acted on.
    expect(previewed.selection).toEqual([]);
    // Sent anyway (a client that ignores the preview's selection): refused again, and audited.
    const res = await batchRoute.POST(
      apiRequest('POST', '/api/sagas/actions', { bearer: operator, body: { selection: selectionOf(previewed), action: 'compensate', reason: 'batch ssrf' } }),
    );
    expect(res.status).toBe(200);
    const report = (await res.json()) as { items: { sagaId: string; outcome: string; error: string }[]; counts: Record<string, number> };
    expect(report.items.map((i) => [i.sagaId, i.outcome])).toEqual([[id, 'refused']]);
    expect(report.items[0]!.error).toMatch(/not on the action allowlist/);
    expect(participant.received).toHaveLength(0);
    expect((await auditForSaga(env.db, id)).map((e) => e.outcome)).toEqual(['refused']);
    expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true });
  });
});

describe('IPv6 forms of a blocked IPv4 address are refused like it (issue 15 §5)', () => {
  it.each(CARRIERS)('%s %s: the plan is refused before anything is called (%s)', async (form, host, range) => {
    const id = `ssrf-v6-${form.replace(/\W+/g, '-')}-${run}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, participant: `http://${host}:${port()}` }));
    const preview = await act(id, { action: 'compensate', dryRun: true });
    expect(preview.status).toBe(200);
    const bare = host.slice(1, -1);
    expect(preview.body.plan.refusal).toBe(`call 1 (reserve-inventory) refused: ${bare} resolves to ${bare} is in a blocked range (${range})`);
  });

  it('a real run is refused too: 409, nothing called, audited', async () => {
    const id = `ssrf-v6-act-${run}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, participant: `http://[64:ff9b::7f00:5]:${port()}` }));
    const { status, body } = await act(id, { action: 'compensate', reason: 'nat64 attempt' });
    expect(status).toBe(409);
    expect(body.error).toMatch(/64:ff9b::7f00:5 is in a blocked range \(127\.0\.0\.0\/8\)/);
    expect(participant.received).toHaveLength(0);
    expect((await auditForSaga(env.db, id)).map((e) => [e.outcome, (e.result as { reason: string }).reason])).toEqual([['refused', 'blocked_address']]);
  });
});
