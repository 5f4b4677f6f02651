/**
 * What binds a real run to the preview the operator saw (issue #14, DESIGN.md §5):
 * a planId is a digest of the saga's version (the set of spans the model saw)
 * and of everything the preview showed — the calls with their URLs, ops,
 * attempts and idempotency keys, the refusal's rule, the evidence. A real run carries
 * the planId of its preview; the server plans again and acts only when the
 * digests agree. It changes when, and only when, the saga or the plan does:
 * spans arriving in another order, or an object with its keys in another
 * order, give the same digest.
 */
import { createHash } from 'node:crypto';
import type { ActionPlan } from './plan-types';

/** The modelled spans' identities, in a fixed order: any new span (a retry, a manual step, a late compensation) changes it. */
export function sagaVersion(spans: readonly { traceId: string; spanId: string }[]): string {
  // A set: the model ignores re-sent copies, so they must not change the version either.
  const ids = [...new Set(spans.map((s) => `${s.traceId}:${s.spanId}`))].sort();
  const h = createHash('sha256');
  for (const id of ids) h.update(id).update('\n');
  return h.digest('base64url').slice(0, 22);
}

export function planIdOf(version: string, plan: Omit<ActionPlan, 'planId'>): string {
  // Fields listed one by one, in a fixed order: the digest must not depend on how an object was built.
  const shown = [
    version,
    plan.sagaId,
    plan.action,
    plan.scope,
    plan.step,
    // The rule, not its sentence: the sentence tells elapsed time ("last span 40 s ago"), which is no change of the saga.
    plan.rule,
    plan.overridable,
    plan.evidence.status,
    plan.evidence.failedStep,
    [...plan.evidence.anomalies].sort(),
    plan.calls.map((c) => [c.order, c.step, c.key, c.index, c.op, c.attempt, c.url, c.idempotencyKey, c.branchId]),
  ];
  return 'pl_' + createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 32);
}
