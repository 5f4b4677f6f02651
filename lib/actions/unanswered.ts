/**
 * Calls whose outcome nobody knows: the participant never answered (timeout,
 * connection lost) or the process stopped before recording an outcome. The
 * participant may have done the work, so the next attempt of the same step and
 * op must carry the same Idempotency-Key: a participant that deduplicates then
 * does it at most once. A call that was answered (even with an error) is
 * settled, and the next attempt gets a key of its own.
 */
import { z } from 'zod';
import type { AuditEntry } from '../audit/types';

/** Key of one planned attempt in the map below. */
export const attemptSlot = (step: string, op: string, attempt: number) => `${step}\u0000${op}\u0000${attempt}`;

const intentRequest = z.object({ op: z.string(), attempt: z.number().int(), idempotencyKey: z.string() });
const outcomeResult = z.object({ refusal: z.object({ reason: z.string() }).nullable().optional() }).passthrough();

const UNANSWERED_REASONS = new Set(['timeout', 'network']);

/** attemptSlot(step, op, attempt) → the Idempotency-Key that attempt sent, for every unanswered call of a saga. */
export function unansweredCalls(trail: readonly AuditEntry[]): Map<string, string> {
  const outcomes = new Map<number, AuditEntry>();
  for (const e of trail) if (e.ref !== null && e.outcome !== 'intent') outcomes.set(e.ref, e);
  const out = new Map<string, string>();
  for (const e of trail) {
    if (e.outcome !== 'intent' || e.step === null || !e.action.startsWith('saga.') || e.action.startsWith('saga.batch.')) continue;
    const req = intentRequest.safeParse(e.request);
    if (!req.success) continue;
    const done = outcomes.get(e.seq);
    const reason = done ? outcomeResult.safeParse(done.result).data?.refusal?.reason : undefined;
    const unanswered = !done || (done.outcome === 'failed' && reason !== undefined && UNANSWERED_REASONS.has(reason));
    if (unanswered) out.set(attemptSlot(e.step, req.data.op, req.data.attempt), req.data.idempotencyKey);
  }
  return out;
}
