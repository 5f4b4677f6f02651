/**
 * When a failed webhook delivery is tried again: exponential (base, 2·base,
 * 4·base, … capped) with "equal jitter" — half the delay fixed, half random —
 * so many deliveries failing together (a receiver outage) do not retry in
 * lockstep, yet each waits at least half its step.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /** Attempts in all, the first included; after the last failure the delivery is `failed`. */
  maxAttempts: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 600_000, maxAttempts: 8 };

/** The un-jittered delay after the n-th failed attempt (n ≥ 1). */
export function backoffStepMs(failedAttempts: number, policy: Pick<BackoffPolicy, 'baseMs' | 'capMs'>): number {
  const n = Math.max(1, Math.floor(failedAttempts));
  // 2^(n-1) overflows to Infinity long after the cap applies; min() handles it.
  return Math.min(policy.capMs, policy.baseMs * 2 ** (n - 1));
}

export type AfterFailure = { state: 'failed' } | { state: 'pending'; delayMs: number };

/** What to do after the `attempts`-th attempt failed. `random` ∈ [0, 1). */
export function afterFailure(attempts: number, policy: BackoffPolicy, random: number = Math.random()): AfterFailure {
  if (attempts >= policy.maxAttempts) return { state: 'failed' };
  const step = backoffStepMs(attempts, policy);
  const r = Math.min(Math.max(random, 0), 1);
  return { state: 'pending', delayMs: Math.round(step / 2 + (step / 2) * r) };
}
