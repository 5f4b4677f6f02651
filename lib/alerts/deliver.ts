/**
 * One pass of the webhook sender: give up what can no longer be sent, then
 * claim due deliveries in small batches and POST each one (signed) through the
 * SSRF-safe client. 2xx → delivered; anything else (other status, refusal,
 * timeout, network error) → retried after the backoff, or failed after the
 * last attempt.
 */
import type { Db } from '../db/connection';
import { abandonUnsendable, claimDueDeliveries, recordAttempt, type AttemptOutcome, type ClaimedDelivery } from './delivery-store';
import { CallRefused, safeCall, type SafeCallPolicy } from '../actions/safe-call';
import { afterFailure, type BackoffPolicy } from './backoff';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signing';
import { eventOf, webhookBody } from './payload';
import { webhookOrigin } from './policy';
import { log } from '../log';

export interface DeliveryEnv {
  db: Db;
  policy: SafeCallPolicy;
  backoff: BackoffPolicy;
  /** SAGASCOPE_PUBLIC_URL: links in payloads. */
  publicUrl?: string;
  call?: typeof safeCall;
  now?: () => number;
}

export interface DeliveryPassResult {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

const BATCH = 10;
/** Beyond the call's own timeout, before another sender may take the delivery over. */
const LEASE_MARGIN_MS = 30_000;

function failureOf(d: ClaimedDelivery, env: DeliveryEnv, nowMs: number, status: number | null, error: string): AttemptOutcome {
  const next = afterFailure(d.attempt, env.backoff);
  return next.state === 'failed' ? { kind: 'failed', status, error } : { kind: 'retry', status, error, nextAttemptMs: nowMs + next.delayMs };
}

async function attempt(d: ClaimedDelivery, env: DeliveryEnv): Promise<AttemptOutcome> {
  const now = env.now ?? Date.now;
  const body = JSON.stringify(webhookBody({ ...d, rule: { id: d.rule.id, name: d.rule.name, kind: d.rule.kind } }, env.publicUrl));
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'sagascope-alerts/1',
    [SIGNATURE_HEADER]: signatureHeader(d.rule.secret, body, Math.floor(now() / 1000)),
    [DELIVERY_HEADER]: d.id,
    [EVENT_HEADER]: eventOf(d.payload),
  };
  try {
    const res = await (env.call ?? safeCall)(d.rule.webhookUrl, { method: 'POST', headers, body }, env.policy);
    if (res.status >= 200 && res.status < 300) return { kind: 'delivered', status: res.status };
    const excerpt = res.body.trim().slice(0, 200);
    return failureOf(d, env, now(), res.status, `HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`);
  } catch (err) {
    const message = err instanceof CallRefused ? `${err.reason}: ${err.message}` : err instanceof Error ? err.message : String(err);
    return failureOf(d, env, now(), null, message);
  }
}

export async function deliverDue(env: DeliveryEnv, stopped: () => boolean = () => false): Promise<DeliveryPassResult> {
  const now = env.now ?? Date.now;
  const result: DeliveryPassResult = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };
  result.failed += await abandonUnsendable(env.db, now(), env.backoff.maxAttempts);
  for (;;) {
    const claimed = await claimDueDeliveries(env.db, now(), {
      limit: BATCH,
      leaseMs: env.policy.timeoutMs + LEASE_MARGIN_MS,
      maxAttempts: env.backoff.maxAttempts,
    });
    await Promise.all(
      claimed.map(async (d) => {
        const outcome = await attempt(d, env);
        const recorded = await recordAttempt(env.db, d.id, d.attempt, now(), outcome);
        result.attempted++;
        if (!recorded) return;
        if (outcome.kind === 'delivered') result.delivered++;
        else if (outcome.kind === 'retry') result.retrying++;
        else {
          result.failed++;
          // The origin only: a webhook path may carry the receiver's token.
          log.warn('alert delivery given up', { delivery: d.id, rule: d.rule.id, webhook: webhookOrigin(d.rule.webhookUrl), attempts: d.attempt, error: outcome.error.slice(0, 200) });
        }
      }),
    );
    if (claimed.length < BATCH || stopped()) return result;
  }
}
