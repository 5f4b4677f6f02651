/**
 * A failed saga and, minutes later, the operator's repair of it, as the
 * collector receives them (issue #14 "repairs are not faults").
 *
 * The saga (test/support/failed-saga.ts): create-order and reserve-inventory
 * succeeded, charge-payment failed (ending 60 ms in); the coordinator undid
 * create-order but its compensation of reserve-inventory failed (HTTP 503), and
 * it gave up (root ends at 100 ms): failed, missing_compensation and
 * compensation_failed.
 *
 * The repair is what sagascope's "Compensate step" sends for reserve-inventory
 * (lib/actions/execute.ts): its own CLIENT span (service sagascope, a trace of
 * its own, saga.role=coordinator, saga.trigger=manual, the next attempt) and,
 * under it through traceparent, the participant's server span of that call,
 * which copies the x-saga-* headers but not the trigger. It runs after
 * create-order's compensation although reserve-inventory comes later in the
 * saga: the order the issue saw flagged as compensation_out_of_order.
 */
import { hex, makeSpan, resourceFor } from './spans';
import { FAILED_STEPS, failedSagaSpans } from './failed-saga';
import type { FlatSpan } from '../../lib/otlp/types';

export interface RepairScenario {
  saga: FlatSpan[];
  repair: FlatSpan[];
  /** End of charge-payment's failed action: where time to repair starts. */
  failureEndMs: number;
  /** End of the participant's span of the manual call: where it ends. */
  repairedAtMs: number;
}

export function repairScenario(o: { id: string; sagaStartMs: number; repairStartMs: number }): RepairScenario {
  const t0 = o.sagaStartMs;
  const base = { 'saga.id': o.id, 'saga.name': 'checkout', 'saga.protocol': 'saga' };
  const saga = failedSagaSpans({ id: o.id, participant: 'http://127.0.0.1:9', startMs: t0 });
  const [root] = saga;
  const inventory = FAILED_STEPS[1];
  const order = FAILED_STEPS[0];
  const stepAttrs = (s: (typeof FAILED_STEPS)[number], attempt: number) => ({
    ...base, 'saga.step': s.step, 'saga.step.index': FAILED_STEPS.indexOf(s) + 1, 'saga.branch_id': s.branch, 'saga.op': 'compensate', 'saga.attempt': attempt,
  });
  const compensation = (s: (typeof FAILED_STEPS)[number], at: number, fail: boolean) =>
    makeSpan({
      traceId: root!.traceId, parentSpanId: root!.spanId, service: s.service, resource: resourceFor(s.service), name: `POST ${s.path}`, kind: 2,
      startMs: t0 + at, endMs: t0 + at + 8, statusCode: fail ? 2 : 0, statusMessage: fail ? 'HTTP 503' : null,
      attributes: { ...stepAttrs(s, 1), 'saga.role': 'participant' },
    });
  saga.push(compensation(inventory, 65, true), compensation(order, 80, false));

  const traceId = hex(16);
  const t = o.repairStartMs;
  const client = makeSpan({
    traceId, service: 'sagascope', resource: resourceFor('sagascope'), name: `manual compensate ${inventory.step}`, kind: 3, startMs: t, endMs: t + 40,
    attributes: { ...stepAttrs(inventory, 2), 'saga.role': 'coordinator', 'saga.trigger': 'manual', 'http.request.method': 'POST', 'http.response.status_code': 200 },
  });
  const server = makeSpan({
    traceId, parentSpanId: client.spanId, service: inventory.service, resource: resourceFor(inventory.service), name: `POST ${inventory.path}`, kind: 2,
    startMs: t + 5, endMs: t + 30, attributes: stepAttrs(inventory, 2),
  });
  return { saga, repair: [client, server], failureEndMs: t0 + 60, repairedAtMs: t + 30 };
}
