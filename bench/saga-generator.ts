/**
 * Synthetic saga traffic for benchmarks: sagas of 4–8 steps across four
 * services, a share of them failing at a random step and compensating the
 * succeeded steps in reverse order. Deterministic for a given seed.
 */
import type { FlatSpan, Attributes } from '../lib/otlp/types';
import { seededRandom } from '../lib/random';

const SERVICES = ['order', 'inventory', 'payment', 'shipping'];
const STEP_NAMES = ['create-order', 'reserve-inventory', 'charge-payment', 'book-shipping', 'notify', 'loyalty-points', 'invoice', 'audit-log'];


const resources = new Map<string, Attributes>(
  ['orchestrator', ...SERVICES].map((s) => [s, Object.freeze({ 'service.name': s, 'service.version': '1.4.2', 'deployment.environment': 'bench', 'host.name': `${s}-7f9c` })]),
);

export interface GeneratedSagas {
  spans: FlatSpan[];
  sagas: number;
  failing: number;
}

export function generateSagas(opts: { minSpans: number; failRate: number; seed?: number; startMs?: number }): GeneratedSagas {
  const rand = seededRandom(opts.seed ?? 42);
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, '0');
    return out;
  };
  const spans: FlatSpan[] = [];
  let t = opts.startMs ?? Date.now() - 3_600_000;
  let sagas = 0;
  let failing = 0;
  while (spans.length < opts.minSpans) {
    const sagaId = `bench-${sagas.toString(36)}-${hex(4)}`;
    const traceId = hex(16);
    const rootId = hex(8);
    const orderId = `ORD-${sagas + 100_000}`;
    const steps = 4 + Math.floor(rand() * 5);
    const failAt = rand() < opts.failRate ? Math.floor(rand() * steps) : -1;
    if (failAt >= 0) failing++;
    const start = t;
    let cursor = t + 1;
    const stepSpan = (i: number, op: 'action' | 'compensate', ok: boolean): FlatSpan => {
      const service = SERVICES[i % SERVICES.length]!;
      const step = STEP_NAMES[i]!;
      const dur = 2 + rand() * 20;
      const span: FlatSpan = {
        traceId,
        spanId: hex(8),
        parentSpanId: rootId,
        name: `POST /${step}/${op}`,
        kind: 2,
        startMs: cursor,
        endMs: cursor + dur,
        statusCode: ok ? 0 : 2,
        statusMessage: ok ? null : `${step} ${op} failed: upstream returned 500`,
        attributes: {
          'saga.id': sagaId,
          'saga.name': 'checkout',
          'saga.role': 'participant',
          'saga.step': step,
          'saga.step.index': i + 1,
          'saga.op': op,
          'saga.attempt': 1,
          'saga.action_url': `http://${service}:8080/${step}/action`,
          'saga.compensate_url': `http://${service}:8080/${step}/compensate`,
          'http.request.method': 'POST',
          'url.full': `http://${service}:8080/${step}/${op}?gid=${sagaId}`,
          'http.response.status_code': ok ? 200 : 500,
          'server.address': service,
          'network.protocol.version': '1.1',
          // Business keys (lib/search/keys.ts), as the services of issue 18 record them.
          'order.id': orderId,
          ...(service === 'payment' ? { 'payment.id': `pay-${orderId}` } : {}),
        },
        resource: resources.get(service)!,
        scope: '@opentelemetry/instrumentation-http',
        events: null,
      };
      cursor += dur + 1;
      return span;
    };
    for (let i = 0; i < steps; i++) {
      if (failAt === i) {
        spans.push(stepSpan(i, 'action', false));
        for (let j = i - 1; j >= 0; j--) spans.push(stepSpan(j, 'compensate', true));
        break;
      }
      spans.push(stepSpan(i, 'action', true));
    }
    spans.push({
      traceId,
      spanId: rootId,
      parentSpanId: null,
      name: 'saga checkout',
      kind: 1,
      startMs: start,
      endMs: cursor,
      statusCode: failAt >= 0 ? 2 : 0,
      statusMessage: null,
      attributes: {
        'saga.id': sagaId, 'saga.name': 'checkout', 'saga.protocol': 'saga', 'saga.role': 'coordinator',
        'saga.key.order_id': orderId, 'user.id': `user-${sagas % 5_000}`,
      },
      resource: resources.get('orchestrator')!,
      scope: 'orchestrator',
      events: null,
    });
    sagas++;
    t += 3;
  }
  return { spans, sagas, failing };
}
