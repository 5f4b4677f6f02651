/**
 * Alerts end to end: rules saved through the admin API, sagas sent to the
 * collector over OTLP/HTTP, webhooks delivered by the collector's own loops to
 * a real HTTP receiver on loopback, signatures verified the way a receiver
 * would. Short intervals and a 300 ms backoff base keep it to seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { setSharedDb } from '../../lib/db/connection';
import { createToken } from '../../lib/auth/accounts';
import { listAudit } from '../../lib/audit/store';
import { listAlertDeliveries, queueTestDelivery } from '../../lib/alerts/store';
import { deliverDue } from '../../lib/alerts/deliver';
import { backoffPolicyFrom, webhookPolicyFrom } from '../../lib/alerts/policy';
import { verifySignature } from '../../lib/alerts/signing';
import { apiRequest } from '../support/api-client';
import { failedSagaSpans, sendSpans } from '../support/failed-saga';
import { hex, makeSpan, resourceFor } from '../support/spans';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver';
import * as alerts from '../../app/api/admin/alerts/route';
import * as alert from '../../app/api/admin/alerts/[id]/route';
import * as deliveries from '../../app/api/admin/alerts/deliveries/route';
import type { AlertDeliveryPage, AlertRuleJson } from '../../lib/api/types';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
const PUBLIC_URL = 'http://sagascope.test';
const previousAllowlist = process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS;
// The route handlers read the process configuration (loaded on first use).
process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';

let env: TestEnv;
let receiver: WebhookReceiver;
let admin: string;
const secrets = new Map<string, string>();

async function createRule(body: Record<string, unknown>): Promise<AlertRuleJson> {
  const res = await alerts.POST(apiRequest('POST', '/api/admin/alerts', { bearer: admin, body }));
  const json = (await res.json()) as { rule: AlertRuleJson; secret: string; error?: string };
  if (res.status !== 201) throw new Error(`rule not created: ${res.status} ${json.error}`);
  secrets.set(json.rule.id, json.secret);
  return json.rule;
}

const forRule = (rule: AlertRuleJson) => receiver.received.filter((r) => (r.body.rule as { id: string }).id === rule.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectVerified(r: ReceivedWebhook) {
  const secret = secrets.get((r.body.rule as { id: string }).id)!;
  const header = r.headers['x-sagascope-signature'] as string;
  expect(verifySignature(secret, header, r.rawBody)).toMatchObject({ ok: true });
  expect(verifySignature('whsec_wrong', header, r.rawBody)).toMatchObject({ ok: false, reason: 'mismatch' });
  expect(r.headers['x-sagascope-delivery']).toBe(r.body.id);
  expect(r.headers['x-sagascope-event']).toBe(r.body.event);
  expect(r.headers['content-type']).toBe('application/json');
}

/** A finished, successful saga: the coordinator's root span and one participant step. */
function committedSagaSpans(id: string, name: string) {
  const traceId = hex(16);
  const t0 = Date.now() - 5_000;
  const root = makeSpan({
    traceId, name: `saga ${name}`, kind: 1, startMs: t0, endMs: t0 + 50, service: 'orchestrator',
    attributes: { 'saga.id': id, 'saga.name': name, 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
  });
  const step = makeSpan({
    traceId, parentSpanId: root.spanId, name: 'POST reserve', kind: 2, startMs: t0 + 5, endMs: t0 + 15, service: 'inventory',
    resource: resourceFor('inventory'),
    attributes: { 'saga.id': id, 'saga.name': name, 'saga.protocol': 'saga', 'saga.role': 'participant', 'saga.step': 'reserve', 'saga.step.index': 1, 'saga.op': 'action', 'saga.attempt': 1 },
  });
  return [root, step];
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  env = await startTestEnv({
    SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    SAGASCOPE_ALERT_INTERVAL_MS: '100',
    SAGASCOPE_ALERT_RATE_INTERVAL_MS: '200',
    SAGASCOPE_ALERT_BACKOFF_BASE_MS: '300',
    SAGASCOPE_TRANSITION_INTERVAL_MS: '200',
    SAGASCOPE_STUCK_AFTER_MS: '1500',
    SAGASCOPE_PUBLIC_URL: PUBLIC_URL,
  });
  setSharedDb(env.db);
  admin = (await createToken(env.db, SYSTEM, { name: 'alerts admin', role: 'admin' })).token;
});

afterAll(async () => {
  await env?.close();
  await receiver?.close();
  if (previousAllowlist === undefined) delete process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS;
  else process.env.SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS = previousAllowlist;
});

describe('rules through the admin API', () => {
  it('refuses a webhook URL whose host is not on the allowlist, with a clear 400', async () => {
    const res = await alerts.POST(
      apiRequest('POST', '/api/admin/alerts', { bearer: admin, body: { name: 'x', kind: 'status', statuses: ['failed'], webhookUrl: 'http://169.254.169.254/latest' } }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/169\.254\.169\.254 is not on the alert webhook \(SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS\) allowlist/);
    const bad = await alerts.POST(apiRequest('POST', '/api/admin/alerts', { bearer: admin, body: { name: 'x', kind: 'status', statuses: ['committed'], webhookUrl: receiver.url('/ok') } }));
    expect(bad.status).toBe(400);
  });

  it('shows the secret once, never in lists or the audit trail; update and delete are audited', async () => {
    const rule = await createRule({ name: 'audit me', kind: 'status', statuses: ['stuck'], sagaName: 'never-sent', webhookUrl: receiver.url('/ok?token=abc') });
    const secret = secrets.get(rule.id)!;
    expect(secret).toMatch(/^whsec_/);
    const list = await (await alerts.GET(apiRequest('GET', '/api/admin/alerts', { bearer: admin }))).text();
    expect(list).toContain(rule.id);
    expect(list).not.toContain(secret);
    const patched = await alert.PATCH(apiRequest('PATCH', `/api/admin/alerts/${rule.id}`, { bearer: admin, body: { enabled: false, rotateSecret: true } }), {
      params: Promise.resolve({ id: rule.id }),
    });
    const patchedJson = (await patched.json()) as { rule: AlertRuleJson; secret: string };
    expect(patched.status).toBe(200);
    expect(patchedJson.rule.enabled).toBe(false);
    expect(patchedJson.secret).toMatch(/^whsec_/);
    expect(patchedJson.secret).not.toBe(secret);
    const wrongKind = await alert.PATCH(apiRequest('PATCH', `/api/admin/alerts/${rule.id}`, { bearer: admin, body: { threshold: 0.5 } }), { params: Promise.resolve({ id: rule.id }) });
    expect(wrongKind.status).toBe(400);
    const badHost = await alert.PATCH(apiRequest('PATCH', `/api/admin/alerts/${rule.id}`, { bearer: admin, body: { webhookUrl: 'http://example.com/' } }), { params: Promise.resolve({ id: rule.id }) });
    expect(badHost.status).toBe(400);
    const del = await alert.DELETE(apiRequest('DELETE', `/api/admin/alerts/${rule.id}`, { bearer: admin }), { params: Promise.resolve({ id: rule.id }) });
    expect(del.status).toBe(200);
    const again = await alert.DELETE(apiRequest('DELETE', `/api/admin/alerts/${rule.id}`, { bearer: admin }), { params: Promise.resolve({ id: rule.id }) });
    expect(again.status).toBe(404);
    const trail = await listAudit(env.db, { limit: 500 });
    const mine = trail.items.filter((e) => e.action.startsWith('alert_rule.'));
    expect(mine.map((e) => e.action).sort()).toEqual(['alert_rule.create', 'alert_rule.delete', 'alert_rule.update']);
    const text = JSON.stringify(mine);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(patchedJson.secret);
    expect(text).not.toContain('token=abc');
  });
});

describe('status and anomaly rules', () => {
  it('a failed saga fires its status rule exactly once, signed, even when more of its spans arrive later', async () => {
    const rule = await createRule({ name: 'checkout failures', kind: 'status', statuses: ['failed'], sagaName: 'status-check', webhookUrl: receiver.url('/ok') });
    const id = `alert-failed-${hex(4)}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, name: 'status-check', participant: 'http://participant.invalid' }));
    const [hit] = await eventually(async () => {
      const got = forRule(rule);
      expect(got).toHaveLength(1);
      return got;
    });
    expectVerified(hit!);
    expect(hit!.body).toMatchObject({
      event: 'saga.failed',
      attempt: 1,
      rule: { id: rule.id, name: 'checkout failures', kind: 'status' },
      saga: { id, name: 'status-check', status: 'failed' },
      matched: ['failed'],
      link: `${PUBLIC_URL}/sagas/${id}`,
    });
    // The same saga again (a re-sent batch) and a late span of it: re-summarised, still one alert.
    await sendSpans(env.httpUrl, failedSagaSpans({ id, name: 'status-check', participant: 'http://participant.invalid' }));
    await sleep(1_000);
    expect(forRule(rule)).toHaveLength(1);
    const log = await listAlertDeliveries(env.db, { ruleId: rule.id, limit: 10 });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, lastError: null, sagaId: id, event: 'saga.failed' });
  });

  it('an anomaly rule fires on its anomaly kind only', async () => {
    const rule = await createRule({ name: 'missing compensations', kind: 'anomaly', anomalies: ['missing_compensation'], sagaName: 'anomaly-check', webhookUrl: receiver.url('/ok') });
    const other = await createRule({ name: 'retry storms', kind: 'anomaly', anomalies: ['retry_storm'], sagaName: 'anomaly-check', webhookUrl: receiver.url('/ok') });
    const id = `alert-anomaly-${hex(4)}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, name: 'anomaly-check', participant: 'http://participant.invalid' }));
    const [hit] = await eventually(async () => {
      const got = forRule(rule);
      expect(got).toHaveLength(1);
      return got;
    });
    expectVerified(hit!);
    expect(hit!.body).toMatchObject({ event: 'saga.anomaly', matched: ['missing_compensation'], saga: { id } });
    expect(forRule(other)).toHaveLength(0);
  });

  it('a saga that stalls becomes stuck by the timed transition and fires once', async () => {
    const rule = await createRule({ name: 'stuck sagas', kind: 'status', statuses: ['stuck'], sagaName: 'stuck-check', webhookUrl: receiver.url('/ok') });
    const id = `alert-stuck-${hex(4)}`;
    const traceId = hex(16);
    const now = Date.now();
    const step = (name: string, index: number, fail: boolean, at: number) =>
      makeSpan({
        traceId, name: `POST ${name}`, kind: 2, startMs: at, endMs: at + 5, statusCode: fail ? 2 : 0, service: name,
        resource: resourceFor(name),
        attributes: { 'saga.id': id, 'saga.name': 'stuck-check', 'saga.protocol': 'saga', 'saga.role': 'participant', 'saga.step': name, 'saga.step.index': index, 'saga.op': 'action', 'saga.attempt': 1 },
      });
    // One step done, the next failed, nobody compensates: compensating now, stuck 1.5 s after the last span.
    await sendSpans(env.httpUrl, [step('order', 1, false, now - 20), step('payment', 2, true, now - 10)]);
    const [stored] = await env.db.query<{ status: string; status_after: string }>('SELECT status, status_after FROM sagas WHERE id = $1', [id]);
    expect(stored).toEqual({ status: 'compensating', status_after: 'stuck' });
    expect(forRule(rule)).toHaveLength(0);
    const [hit] = await eventually(async () => {
      const got = forRule(rule);
      expect(got).toHaveLength(1);
      return got;
    });
    expectVerified(hit!);
    expect(hit!.body).toMatchObject({ event: 'saga.stuck', saga: { id, status: 'stuck' } });
    expect(hit!.at - now).toBeGreaterThanOrEqual(1_400);
  });
});

describe('delivery', () => {
  it('retries a receiver answering 500 twice with backoff, then records it delivered after 3 attempts', async () => {
    const rule = await createRule({ name: 'flaky receiver', kind: 'status', statuses: ['failed'], sagaName: 'flaky-check', webhookUrl: receiver.url('/flaky') });
    const id = `alert-flaky-${hex(4)}`;
    await sendSpans(env.httpUrl, failedSagaSpans({ id, name: 'flaky-check', participant: 'http://participant.invalid' }));
    const hits = await eventually(async () => {
      const got = forRule(rule);
      expect(got.map((r) => r.answered)).toEqual([500, 500, 200]);
      return got;
    });
    expect(new Set(hits.map((h) => h.body.id)).size).toBe(1);
    expect(hits.map((h) => h.body.attempt)).toEqual([1, 2, 3]);
    hits.forEach(expectVerified);
    // Base 300 ms, equal jitter: the 1st retry waits 150–300 ms, the 2nd 300–600 ms (+ up to one 100 ms tick).
    const gaps = [hits[1]!.at - hits[0]!.at, hits[2]!.at - hits[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThanOrEqual(290);
    expect(gaps[1]).toBeLessThan(2_000);
    const log = await eventually(async () => {
      const page = await listAlertDeliveries(env.db, { ruleId: rule.id, limit: 10 });
      expect(page.items[0]?.state).toBe('delivered');
      return page;
    });
    expect(log.items[0]).toMatchObject({ attempts: 3, lastStatus: 200, lastError: null });
  });

  it('several senders at once deliver each delivery exactly once', async () => {
    const rule = await createRule({ name: 'fan out', kind: 'status', statuses: ['failed'], sagaName: 'never-matches', webhookUrl: receiver.url('/ok') });
    for (let i = 0; i < 30; i++) await queueTestDelivery(env.db, SYSTEM, rule.id);
    const policy = webhookPolicyFrom(env.config);
    const backoff = backoffPolicyFrom(env.config);
    // Three extra senders on top of the collector's own loop.
    await Promise.all([1, 2, 3].map(() => deliverDue({ db: env.db, policy, backoff })));
    const got = await eventually(async () => {
      const hits = forRule(rule);
      expect(hits.length).toBeGreaterThanOrEqual(30);
      return hits;
    });
    await sleep(300);
    expect(forRule(rule)).toHaveLength(30);
    expect(new Set(got.map((h) => h.body.id)).size).toBe(30);
    expect(got.every((h) => h.body.event === 'test')).toBe(true);
  });
});

describe('failure-rate rules', () => {
  it('fires once per episode and resolves when the rate drops', async () => {
    const rule = await createRule({
      name: 'rate', kind: 'failure_rate', threshold: 0.5, windowMinutes: 10, minSagas: 3, sagaName: 'rate-check', webhookUrl: receiver.url('/ok'),
    });
    const failed = (tag: string) => failedSagaSpans({ id: `rate-${tag}-${hex(3)}`, name: 'rate-check', participant: 'http://participant.invalid' });
    // Sagas that must be counted together go in one request (one ingest transaction), so the evaluator never sees half.
    // One failed of two: above the threshold but under minSagas — nothing.
    await sendSpans(env.httpUrl, [...failed('f0'), ...committedSagaSpans(`rate-c0-${hex(3)}`, 'rate-check')]);
    await sleep(800);
    expect(forRule(rule)).toHaveLength(0);
    await sendSpans(env.httpUrl, [...failed('f1'), ...failed('f2')]);
    const [firing] = await eventually(async () => {
      const got = forRule(rule);
      expect(got).toHaveLength(1);
      return got;
    });
    expectVerified(firing!);
    expect(firing!.body).toMatchObject({
      event: 'failure_rate.firing',
      rate: { failed: 3, finished: 4, failureRate: 0.75, threshold: 0.5, windowMinutes: 10, minSagas: 3, sagaName: 'rate-check' },
      link: `${PUBLIC_URL}/sagas?name=rate-check&status=failed`,
    });
    // Still above: evaluated again and again, no second delivery.
    await sendSpans(env.httpUrl, failed('f3'));
    await sleep(1_000);
    expect(forRule(rule)).toHaveLength(1);
    // 4 failed of 8: at the threshold, the episode ends.
    await sendSpans(env.httpUrl, [1, 2, 3].flatMap((i) => committedSagaSpans(`rate-c${i}-${hex(3)}`, 'rate-check')));
    const [, resolved] = await eventually(async () => {
      const got = forRule(rule);
      expect(got).toHaveLength(2);
      return got;
    });
    expect(resolved!.body).toMatchObject({ event: 'failure_rate.resolved', rate: { failed: 4, finished: 8, failureRate: 0.5 } });
    const [state] = await env.db.query<{ firing: boolean }>('SELECT firing FROM alert_rules WHERE id = $1::uuid', [rule.id]);
    expect(state!.firing).toBe(false);
  });
});

describe('delivery log API', () => {
  it('pages newest first and filters by rule and state', async () => {
    const first = await deliveries.GET(apiRequest('GET', '/api/admin/alerts/deliveries?limit=5', { bearer: admin }));
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as AlertDeliveryPage;
    expect(page1.items).toHaveLength(5);
    expect(page1.nextCursor).not.toBeNull();
    const ids = page1.items.map((d) => Number(d.id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const second = (await (await deliveries.GET(apiRequest('GET', `/api/admin/alerts/deliveries?limit=5&cursor=${page1.nextCursor}`, { bearer: admin }))).json()) as AlertDeliveryPage;
    expect(Number(second.items[0]!.id)).toBeLessThan(ids[ids.length - 1]!);
    const delivered = (await (await deliveries.GET(apiRequest('GET', '/api/admin/alerts/deliveries?state=delivered&limit=200', { bearer: admin }))).json()) as AlertDeliveryPage;
    expect(delivered.items.length).toBeGreaterThan(30);
    expect(delivered.items.every((d) => d.state === 'delivered')).toBe(true);
    const ruleId = delivered.items[0]!.ruleId;
    const byRule = (await (await deliveries.GET(apiRequest('GET', `/api/admin/alerts/deliveries?rule=${ruleId}`, { bearer: admin }))).json()) as AlertDeliveryPage;
    expect(byRule.items.length).toBeGreaterThan(0);
    expect(byRule.items.every((d) => d.ruleId === ruleId)).toBe(true);
    const bad = await deliveries.GET(apiRequest('GET', '/api/admin/alerts/deliveries?cursor=abc', { bearer: admin }));
    expect(bad.status).toBe(400);
  });
});

// Last: it stops the collector's sender.
describe('giving up', () => {
  it('gives up after the last attempt, keeping the last status and error', async () => {
    const rule = await createRule({ name: 'dead receiver', kind: 'status', statuses: ['failed'], sagaName: 'never-matches', webhookUrl: receiver.url('/down') });
    // The collector's sender (8 attempts) would take half a minute to give up: stop it, and send with 2 attempts.
    await env.collector.alerts.delivery.stop();
    const { deliveryId } = (await queueTestDelivery(env.db, SYSTEM, rule.id)) as { deliveryId: string };
    const policy = webhookPolicyFrom(env.config);
    const backoff = { ...backoffPolicyFrom(env.config), maxAttempts: 2, baseMs: 1 };
    await eventually(async () => {
      await deliverDue({ db: env.db, policy, backoff });
      const page = await listAlertDeliveries(env.db, { ruleId: rule.id, limit: 10 });
      expect(page.items[0]).toMatchObject({ id: deliveryId, state: 'failed', attempts: 2, lastStatus: 503, lastError: 'HTTP 503: receiver says 503' });
    });
  });
});
