/**
 * The login throttle's rules, as pure functions of the stored state (the state
 * lives in PostgreSQL, lib/auth/throttle-store.ts, so that every process sees the
 * same counts and concurrent attempts are counted one after another).
 *
 * - An attempt is counted BEFORE its password is checked. Per (account, client
 *   address), a round allows `maxAttempts` checks; the attempt that uses the
 *   last one also starts a lockout of that pair, so concurrent attempts beyond
 *   the budget are refused (429) without any password work. A successful
 *   sign-in ends the round and forgets the lockouts.
 * - Lockouts grow: `lockoutMs`, doubled after each consecutive lockout, capped
 *   at `maxLockoutMs`. A day without a counted attempt forgets them.
 * - A round with fewer attempts ends `ROUND_MS` after it began.
 * - Lockouts are per (account, address): a stranger's guesses lock out the
 *   stranger's address, not the owner signing in from theirs.
 * - Account-wide ceiling (`accountMaxAttempts` per `ROUND_MS`, 0 = none): against
 *   guessing from many addresses at once. Above it, addresses the account has not
 *   signed in from within `KNOWN_ADDRESS_MS` are refused until the window ends;
 *   the owner's known addresses are not.
 */

export const ROUND_MS = 15 * 60_000;
export const FORGET_LOCKOUTS_MS = 24 * 3_600_000;
export const KNOWN_ADDRESS_MS = 30 * 24 * 3_600_000;

export interface ThrottleSettings {
  maxAttempts: number;
  lockoutMs: number;
  maxLockoutMs: number;
  accountMaxAttempts: number;
}

/** Times are epoch milliseconds. */
export interface PairState {
  attempts: number;
  roundStartedAt: number | null;
  lockedUntil: number | null;
  lockouts: number;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
}

export interface AccountState {
  attempts: number;
  roundStartedAt: number | null;
}

export const EMPTY_PAIR: PairState = { attempts: 0, roundStartedAt: null, lockedUntil: null, lockouts: 0, lastAttemptAt: null, lastSuccessAt: null };
export const EMPTY_ACCOUNT: AccountState = { attempts: 0, roundStartedAt: null };

export type Claim =
  | { allow: true; pair: PairState; account: AccountState }
  | { allow: false; by: 'address' | 'account'; retryAfterMs: number };

export function lockoutMsAfter(lockouts: number, s: ThrottleSettings): number {
  // 2^30 × any positive lockoutMs is past any cap: no overflow to Infinity.
  return Math.min(s.lockoutMs * 2 ** Math.min(lockouts, 30), s.maxLockoutMs);
}

/** Decides one attempt and returns the state to store when it is allowed (a refusal changes nothing). */
export function claimAttempt(pair: PairState, account: AccountState, now: number, s: ThrottleSettings): Claim {
  if (pair.lockedUntil !== null && pair.lockedUntil > now) return { allow: false, by: 'address', retryAfterMs: pair.lockedUntil - now };

  const accountWindowOver = account.roundStartedAt === null || now - account.roundStartedAt >= ROUND_MS;
  const acct: AccountState = accountWindowOver ? { attempts: 0, roundStartedAt: now } : { ...account };
  const knownAddress = pair.lastSuccessAt !== null && now - pair.lastSuccessAt < KNOWN_ADDRESS_MS;
  if (s.accountMaxAttempts > 0 && acct.attempts >= s.accountMaxAttempts && !knownAddress) {
    return { allow: false, by: 'account', retryAfterMs: acct.roundStartedAt! + ROUND_MS - now };
  }
  acct.attempts += 1;

  const next: PairState = { ...pair };
  const roundOver = pair.roundStartedAt === null || pair.lockedUntil !== null || now - pair.roundStartedAt >= ROUND_MS;
  if (roundOver) {
    next.attempts = 0;
    next.roundStartedAt = now;
    next.lockedUntil = null;
    if (pair.lastAttemptAt === null || now - pair.lastAttemptAt >= FORGET_LOCKOUTS_MS) next.lockouts = 0;
  }
  next.attempts += 1;
  next.lastAttemptAt = now;
  if (next.attempts >= s.maxAttempts) {
    // The last attempt of the budget: lock now, so that attempts still in flight
    // cannot start more checks. A success (this one or one in flight) lifts it.
    next.lockedUntil = now + lockoutMsAfter(next.lockouts, s);
    next.lockouts += 1;
  }
  return { allow: true, pair: next, account: acct };
}

/** The pair's state after a successful sign-in from it. */
export function afterSuccess(pair: PairState, now: number): PairState {
  return { ...pair, attempts: 0, roundStartedAt: null, lockedUntil: null, lockouts: 0, lastSuccessAt: now };
}
