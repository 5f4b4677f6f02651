/**
 * A `failed` checkout saga as the collector would receive it from instrumented
 * services: the coordinator's finished root span and the participants' action
 * spans, each recording where its compensation can be invoked
 * (saga.compensate_url, DTM-style query) — create-order and reserve-inventory
 * succeeded, charge-payment failed, and the coordinator compensated nothing:
 * status failed, anomaly missing_compensation. "Compensate saga" then calls
 * reserve-inventory's compensation first, create-order's second.
 */
import { hex, makeSpan, resourceFor } from './spans';
import type { FlatSpan } from '../../lib/otlp/types';

export interface FailedSagaOptions {
  id: string;
  /** saga.name; default `checkout`. */
  name?: string;
  /** Base URL of the participant the compensations point at. */
  participant: string;
  /** Extra query text on one step's compensate URL (e.g. `&fail=1`). */
  compensateQuery?: Partial<Record<'create-order' | 'reserve-inventory', string>>;
  /** Replace one step's compensate URL entirely. */
  compensateUrl?: Partial<Record<'create-order' | 'reserve-inventory', string>>;
  /** When the saga started (epoch ms); default 10 s ago. */
  startMs?: number;
}

export const FAILED_STEPS = [
  { step: 'create-order', service: 'order', branch: '01', path: '/order/cancel' },
  { step: 'reserve-inventory', service: 'inventory', branch: '02', path: '/inventory/release' },
  { step: 'charge-payment', service: 'payment', branch: '03', path: '/payment/refund' },
] as const;

export function compensateUrlOf(o: FailedSagaOptions, step: (typeof FAILED_STEPS)[number]): string {
  const given = o.compensateUrl?.[step.step as 'create-order'];
  if (given) return given;
  const extra = o.compensateQuery?.[step.step as 'create-order'] ?? '';
  return `${o.participant}${step.path}?gid=${encodeURIComponent(o.id)}&trans_type=saga&branch_id=${step.branch}&op=compensate${extra}`;
}

export function failedSagaSpans(o: FailedSagaOptions): FlatSpan[] {
  const traceId = hex(16);
  const t0 = o.startMs ?? Date.now() - 10_000;
  const name = o.name ?? 'checkout';
  const root = makeSpan({
    traceId,
    name: `saga ${name}`,
    kind: 1,
    startMs: t0,
    endMs: t0 + 100,
    service: 'orchestrator',
    attributes: { 'saga.id': o.id, 'saga.name': name, 'saga.protocol': 'saga', 'saga.role': 'coordinator' },
  });
  const steps = FAILED_STEPS.map((s, i) =>
    makeSpan({
      traceId,
      parentSpanId: root.spanId,
      name: `POST ${s.step}`,
      kind: 2,
      startMs: t0 + 10 + i * 20,
      endMs: t0 + 20 + i * 20,
      statusCode: s.step === 'charge-payment' ? 2 : 0,
      statusMessage: s.step === 'charge-payment' ? 'card declined' : null,
      resource: resourceFor(s.service),
      attributes: {
        'saga.id': o.id,
        'saga.name': name,
        'saga.protocol': 'saga',
        'saga.role': 'participant',
        'saga.step': s.step,
        'saga.step.index': i + 1,
        'saga.branch_id': s.branch,
        'saga.op': 'action',
        'saga.attempt': 1,
        'saga.compensate_url': compensateUrlOf(o, s),
      },
    }),
  );
  return [root, ...steps];
}

export { sendSpans } from './spans';
