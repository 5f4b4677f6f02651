/**
 * The data set of `npm run bench:query`: one saga at a time, as the span rows the
 * collector would store (lib/ingest/span-row SpanRow), so the loader can run the
 * real model and rollup code on it. Deterministic for (seed, index): saga i
 * always has the same spans, and its start is spread evenly over the window.
 *
 * Shape: a coordinator root span (orchestrator) with one participant span per
 * step run in order/inventory/payment/shipping, most with a child database span.
 * Names: checkout (saga, 4–8 steps), refund (saga, 4–5), transfer (TCC: try then
 * confirm / cancel), fulfilment (saga, 4–6). About 10 % fail and compensate,
 * some of those leave a compensation failed (status failed, anomalies
 * compensation_failed + missing_compensation), some never finish (stuck), and a
 * few retry a step.
 */
import { createHash } from 'node:crypto';
import type { SpanRow } from '../lib/ingest/span-row';
import type { Op } from '../lib/saga/types';
import { toJsonText } from '../lib/ingest/clean-text';
import { seededRandom } from '../lib/random';
import { keyExtractorFor } from '../lib/search/keys';

export const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;
const COORDINATOR = 'orchestrator';

interface SagaKind {
  name: string;
  protocol: 'saga' | 'tcc';
  steps: readonly string[];
  minSteps: number;
  share: number;
}

const KINDS: readonly SagaKind[] = [
  { name: 'checkout', protocol: 'saga', share: 0.45, minSteps: 4,
    steps: ['create-order', 'reserve-inventory', 'charge-payment', 'book-shipping', 'notify', 'loyalty-points', 'invoice', 'audit-log'] },
  { name: 'refund', protocol: 'saga', share: 0.2, minSteps: 4, steps: ['open-refund', 'restock', 'refund-payment', 'cancel-shipping', 'close-refund'] },
  { name: 'transfer', protocol: 'tcc', share: 0.2, minSteps: 4, steps: ['debit-account', 'credit-account', 'fx-quote', 'ledger-entry'] },
  { name: 'fulfilment', protocol: 'saga', share: 0.15, minSteps: 4, steps: ['pick', 'pack', 'label', 'dispatch', 'track', 'confirm-delivery'] },
];

export interface Resource {
  id: string;
  json: string;
}

/** Resource attributes as an SDK sends them, content-addressed like toSpanRows does. */
export const RESOURCES: ReadonlyMap<string, Resource> = new Map(
  [COORDINATOR, ...SERVICES].map((service) => {
    const json = toJsonText({ 'service.name': service, 'service.version': '2.3.1', 'deployment.environment': 'bench', 'host.name': `${service}-5d8f` });
    return [service, { id: createHash('sha256').update(json).digest('base64url').slice(0, 32), json }];
  }),
);

export interface DataSetOptions {
  sagas: number;
  seed: number;
  /** Sagas start evenly over [endMs − windowMs, endMs). */
  endMs: number;
  windowMs: number;
  /** When the collector "received" every span: the stored received_at is the load time. */
  receivedMs: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export const sagaIdOf = (seed: number, i: number) => `bq-${hex(seed, 4)}-${hex(i, 8)}`;

/**
 * Business keys of saga `i` (lib/search/keys.ts): its order id (root span
 * `saga.key.order_id`, participant spans `order.id`), its payment id (spans of
 * the payment service, `payment.id`) and its user (root span `user.id`, shared
 * by ~20 sagas per million: a user has many orders).
 */
export const orderIdOf = (seed: number, i: number) => `ORD-${hex(seed, 2)}${String(i).padStart(8, '0')}`;
export const paymentIdOf = (seed: number, i: number) => `pay_${hex((i * 2_654_435_761) >>> 0, 8)}${hex(seed, 4)}`;
export const userIdOf = (seed: number, i: number) => `user-${(seed * 7 + i) % 50_000}`;

/** A stored span row that is also the model's view of it (received at the load instant). */
export type GeneratedSpan = SpanRow & { receivedMs: number };

/** The span rows of saga `i`. */
export function generateSaga(o: DataSetOptions, i: number): GeneratedSpan[] {
  const rand = seededRandom(o.seed * 1_000_003 + i);
  const pick = rand();
  let acc = 0;
  const kind = KINDS.find((k) => (acc += k.share) > pick) ?? KINDS[0]!;
  const sagaId = sagaIdOf(o.seed, i);
  const traceId = hex(o.seed, 8) + hex(i, 24);
  let spanNo = 0;
  const nextSpanId = () => hex(i % 0x1000000, 6) + hex(++spanNo, 10);
  const start = o.endMs - o.windowMs + (i * o.windowMs) / o.sagas + rand() * 50;
  const stepCount = kind.minSteps + Math.floor(rand() * (kind.steps.length - kind.minSteps + 1));

  // Outcome: ~87 % commit, ~9 % compensate, ~1.5 % fail compensating, ~0.5 % never finish.
  const roll = rand();
  const failAt = roll < 0.115 ? 1 + Math.floor(rand() * (stepCount - 1)) : -1;
  const brokenCompensation = roll < 0.025;
  const stuckAfter = roll >= 0.115 && roll < 0.12 ? 1 + Math.floor(rand() * (stepCount - 1)) : -1;
  const retryAt = rand() < 0.03 ? Math.floor(rand() * stepCount) : -1;

  const rootId = nextSpanId();
  const rows: GeneratedSpan[] = [];
  const row = (spec: RowSpec) => spanRow(spec, o.receivedMs);
  let cursor = start + 1;
  const forward: Op = kind.protocol === 'tcc' ? 'try' : 'action';
  const undo: Op = kind.protocol === 'tcc' ? 'cancel' : 'compensate';

  const stepRun = (s: number, op: Op, ok: boolean, attempt: number) => {
    const service = SERVICES[s % SERVICES.length]!;
    const step = kind.steps[s]!;
    const dur = 3 + rand() * (op === forward ? 40 : 15);
    const spanId = nextSpanId();
    const path = `/${kind.name}/${step}/${op}`;
    rows.push(row({
      traceId, spanId, parentSpanId: rootId, service, name: `POST ${path}`, kind: 2, startMs: cursor, endMs: cursor + dur,
      statusCode: ok ? 0 : 2, statusMessage: ok ? null : `${step} ${op} failed: upstream returned 503`,
      sagaId, sagaName: kind.name, protocol: kind.protocol, role: 'participant', step, stepIndex: s + 1, op, attempt,
      actionUrl: `http://${service}:8080/${kind.name}/${step}/${forward}`, compensateUrl: `http://${service}:8080/${kind.name}/${step}/${undo}`,
      attributes: {
        'saga.id': sagaId, 'saga.name': kind.name, 'saga.protocol': kind.protocol, 'saga.role': 'participant',
        'saga.step': step, 'saga.step.index': s + 1, 'saga.op': op, 'saga.attempt': attempt,
        'http.request.method': 'POST', 'url.full': `http://${service}:8080${path}?gid=${sagaId}`,
        'http.response.status_code': ok ? 200 : 503, 'server.address': service, 'order.id': orderIdOf(o.seed, i),
        ...(service === 'payment' ? { 'payment.id': paymentIdOf(o.seed, i) } : {}),
      },
      scope: '@opentelemetry/instrumentation-http',
    }));
    if (rand() < 0.55) {
      const at = cursor + 1 + rand() * dur * 0.3;
      rows.push(row({
        traceId, spanId: nextSpanId(), parentSpanId: spanId, service, name: 'SELECT orders', kind: 3, startMs: at,
        endMs: at + 0.5 + rand() * dur * 0.5, statusCode: 0, statusMessage: null,
        // Stored with the saga id the collector gives it (inherited from its parent span).
        sagaId, sagaName: null, protocol: null, role: null, step: null, stepIndex: null, op: null, attempt: null,
        actionUrl: null, compensateUrl: null,
        attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders' },
        scope: '@opentelemetry/instrumentation-pg',
      }));
    }
    cursor += dur + 1 + rand() * 5;
  };

  let ended = true;
  let failed = false;
  const done: number[] = [];
  for (let s = 0; s < stepCount; s++) {
    if (s === retryAt) stepRun(s, forward, false, 1);
    const ok = s !== failAt;
    stepRun(s, forward, ok, s === retryAt ? 2 : 1);
    if (!ok) { failed = true; break; }
    done.push(s);
    if (s === stuckAfter) { ended = false; break; }
  }
  if (failed) {
    for (let j = done.length - 1; j >= 0; j--) stepRun(done[j]!, undo, !(brokenCompensation && j === 0), 1);
  } else if (kind.protocol === 'tcc' && ended) {
    for (const s of done) stepRun(s, 'confirm', true, 1);
  }
  if (ended) {
    rows.unshift(row({
      traceId, spanId: rootId, parentSpanId: null, service: COORDINATOR, name: `saga ${kind.name}`, kind: 1, startMs: start,
      endMs: cursor, statusCode: failed ? 2 : 0, statusMessage: null, sagaId, sagaName: kind.name, protocol: kind.protocol,
      role: 'coordinator', step: null, stepIndex: null, op: null, attempt: null, actionUrl: null, compensateUrl: null,
      attributes: {
        'saga.id': sagaId, 'saga.name': kind.name, 'saga.protocol': kind.protocol, 'saga.role': 'coordinator',
        'saga.key.order_id': orderIdOf(o.seed, i), 'user.id': userIdOf(o.seed, i),
      },
      scope: 'orchestrator',
    }));
  }
  return rows;
}

interface RowSpec {
  traceId: string; spanId: string; parentSpanId: string | null; service: string; name: string; kind: number;
  startMs: number; endMs: number; statusCode: number; statusMessage: string | null;
  sagaId: string | null; sagaName: string | null; protocol: 'saga' | 'tcc' | null; role: 'coordinator' | 'participant' | null;
  step: string | null; stepIndex: number | null; op: Op | null; attempt: number | null;
  actionUrl: string | null; compensateUrl: string | null;
  attributes: Record<string, string | number>; scope: string;
}

const KEYS = keyExtractorFor();

// One literal with every field: spreading these 30-field rows makes V8 fall back to slow objects.
function spanRow(s: RowSpec, receivedMs: number): GeneratedSpan {
  const res = RESOURCES.get(s.service)!;
  return {
    receivedMs,
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, service: s.service, name: s.name, kind: s.kind,
    startMs: s.startMs, endMs: s.endMs, statusCode: s.statusCode, statusMessage: s.statusMessage, scope: s.scope,
    attributesJson: JSON.stringify(s.attributes), resourceId: res.id, resourceJson: res.json, eventsJson: null,
    sagaId: s.sagaId, sagaName: s.sagaName, protocol: s.protocol, role: s.role, step: s.step, stepIndex: s.stepIndex,
    branchId: null, op: s.op, attempt: s.attempt, result: null, actionUrl: s.actionUrl, compensateUrl: s.compensateUrl,
    idempotencyKey: null, trigger: null, zeroCode: false, keys: KEYS.extract(s.attributes),
  };
}
