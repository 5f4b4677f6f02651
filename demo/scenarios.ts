/**
 * The troubles the demo can inject, which flows can show each, and what the
 * dashboard is expected to derive from it. The integration test asserts these
 * expectations saga by saga, and the README's table is written from them, so
 * the three cannot drift apart silently.
 */

export const FLOWS = ['checkout', 'refund', 'transfer', 'loyalty', 'stock-move'] as const;
export type Flow = (typeof FLOWS)[number];

export const SCENARIOS = [
  'healthy',
  'retried_timeout',
  'action_fails',
  'compensation_fails',
  'compensation_skipped',
  'compensation_out_of_order',
  'duplicate_execution',
  'stalled',
  'retry_storm',
  'orphan',
  'hanging_action',
  'compensation_retried',
  'submit_lost',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/**
 * Where each scenario can happen. The orchestrator bugs live in the checkout
 * saga, run by the demo's own span-emitting orchestrator. The other flows are
 * run by DTM (the demo's DTM test double, demo/dtm), whose branch calls are
 * zero-code spans: refund (saga), transfer (TCC), loyalty (two-phase message)
 * and stock-move (XA). There only what happens under DTM makes sense: a branch
 * refusing (409 → DTM rolls back), a compensation failing for a while (DTM
 * retries it with backoff until it succeeds), an application that prepared a
 * message and never submitted it (DTM asks back).
 */
export const SCENARIOS_BY_FLOW: Readonly<Record<Flow, readonly Scenario[]>> = {
  checkout: [
    'healthy', 'retried_timeout', 'action_fails', 'compensation_fails', 'compensation_skipped', 'compensation_out_of_order',
    'duplicate_execution', 'stalled', 'retry_storm', 'orphan', 'hanging_action',
  ],
  transfer: ['healthy', 'action_fails'],
  refund: ['healthy', 'action_fails', 'compensation_retried'],
  loyalty: ['healthy', 'submit_lost'],
  'stock-move': ['healthy', 'action_fails'],
};

/** Flows that DTM (the demo's test double) coordinates: no coordinator spans, DTM's query parameters only. */
export const DTM_FLOWS: ReadonlySet<Flow> = new Set<Flow>(['refund', 'transfer', 'loyalty', 'stock-move']);

export interface Expectation {
  status: 'committed' | 'compensated' | 'failed' | 'stuck';
  anomalies: readonly string[];
}

/** What the dashboard derives (status once settled, anomaly kinds) for a forced scenario. */
export const EXPECTED: Readonly<Record<Scenario, Expectation>> = {
  healthy: { status: 'committed', anomalies: [] },
  // A retry after a timeout, done right: the late first attempt is a barrier no-op (skipped).
  retried_timeout: { status: 'committed', anomalies: [] },
  action_fails: { status: 'compensated', anomalies: [] },
  compensation_fails: { status: 'failed', anomalies: ['missing_compensation', 'compensation_failed'] },
  compensation_skipped: { status: 'failed', anomalies: ['missing_compensation'] },
  compensation_out_of_order: { status: 'compensated', anomalies: ['compensation_out_of_order'] },
  duplicate_execution: { status: 'committed', anomalies: ['duplicate_execution'] },
  stalled: { status: 'stuck', anomalies: ['stuck'] },
  retry_storm: { status: 'committed', anomalies: ['retry_storm'] },
  orphan: { status: 'committed', anomalies: ['orphan_step'] },
  // The barrier's no-op compensation is recorded as skipped (a null
  // compensation, informational) and the late action as rejected (a hanging
  // action the barrier refused).
  hanging_action: { status: 'compensated', anomalies: ['null_compensation', 'hanging_action'] },
  // DTM retried the failing compensation (backing off) until it succeeded: no storm, nothing failed.
  compensation_retried: { status: 'compensated', anomalies: [] },
  // DTM's check-back found the local transaction committed and delivered the message.
  submit_lost: { status: 'committed', anomalies: [] },
};

export { seededRandom } from '../lib/random';

/** Draws one key by weight; weights need not sum to 1. `fallback` when all are 0. */
export function pickWeighted<K extends string>(rand: () => number, weights: Readonly<Partial<Record<K, number>>>, fallback: K): K {
  const entries = (Object.entries(weights) as [K, number | undefined][]).filter((e): e is [K, number] => (e[1] ?? 0) > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total <= 0) return fallback;
  let x = rand() * total;
  for (const [k, w] of entries) {
    x -= w;
    if (x < 0) return k;
  }
  return entries[entries.length - 1][0];
}

/**
 * The scenario of one saga of `flow`: each applicable trouble with its own
 * probability, `healthy` with what is left. Probabilities summing past 1 are
 * scaled down so that the draw stays a distribution.
 */
export function pickScenario(rand: () => number, flow: Flow, weights: Readonly<Record<Scenario, number>>): Scenario {
  const troubles = SCENARIOS_BY_FLOW[flow].filter((s) => s !== 'healthy');
  const total = troubles.reduce((s, k) => s + Math.max(0, weights[k]), 0);
  const scale = total > 1 ? 1 / total : 1;
  let x = rand();
  for (const s of troubles) {
    x -= Math.max(0, weights[s]) * scale;
    if (x < 0) return s;
  }
  return 'healthy';
}

/** The showcase: every (flow, scenario) pair once, troubles first, so each status and anomaly shows early. */
export function showcaseSequence(): Array<{ flow: Flow; scenario: Scenario }> {
  const out: Array<{ flow: Flow; scenario: Scenario }> = [];
  // A committed checkout first: the refund flow needs an order to refund.
  out.push({ flow: 'checkout', scenario: 'healthy' });
  // The stalled saga early: it only shows as stuck after the stuck threshold.
  out.push({ flow: 'checkout', scenario: 'stalled' });
  for (const flow of FLOWS) {
    for (const scenario of SCENARIOS_BY_FLOW[flow]) {
      if (flow === 'checkout' && (scenario === 'healthy' || scenario === 'stalled')) continue;
      out.push({ flow, scenario });
    }
  }
  return out;
}
