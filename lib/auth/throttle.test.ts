import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_ACCOUNT,
  EMPTY_PAIR,
  FORGET_LOCKOUTS_MS,
  ROUND_MS,
  afterSuccess,
  claimAttempt,
  lockoutMsAfter,
  type AccountState,
  type Claim,
  type PairState,
  type ThrottleSettings,
} from './throttle';

const S: ThrottleSettings = { maxAttempts: 3, lockoutMs: 60_000, maxLockoutMs: 600_000, accountMaxAttempts: 0 };

/** Runs attempts at the given times against one (account, address) pair; stores what each allowed one returns. */
function run(times: number[], s = S, start: { pair: PairState; account: AccountState } = { pair: EMPTY_PAIR, account: EMPTY_ACCOUNT }) {
  let { pair, account } = start;
  const claims: Claim[] = [];
  for (const t of times) {
    const c = claimAttempt(pair, account, t, s);
    claims.push(c);
    if (c.allow) ({ pair, account } = c);
  }
  return { claims, pair, account, allowed: claims.map((c) => c.allow) };
}

describe('login throttle rules', () => {
  it('allows maxAttempts checks per round; the last one starts the lockout, so the next is refused', () => {
    const r = run([0, 1, 2, 3, 4]);
    expect(r.allowed).toEqual([true, true, true, false, false]);
    expect(r.claims[3]).toEqual({ allow: false, by: 'address', retryAfterMs: 60_000 - 1 });
    expect(r.pair).toMatchObject({ attempts: 3, lockedUntil: 2 + 60_000, lockouts: 1 });
  });

  it('lockouts double and are capped', () => {
    expect([0, 1, 2, 3, 4, 5, 40].map((n) => lockoutMsAfter(n, S))).toEqual([60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
    // Three rounds in a row, each started as soon as the previous lockout ended.
    let t = 0;
    let state = { pair: EMPTY_PAIR, account: EMPTY_ACCOUNT };
    const lockouts: number[] = [];
    for (let round = 0; round < 3; round++) {
      const r = run([t, t, t], S, state);
      expect(r.allowed).toEqual([true, true, true]);
      lockouts.push(r.pair.lockedUntil! - t);
      state = { pair: r.pair, account: r.account };
      t = r.pair.lockedUntil!;
    }
    expect(lockouts).toEqual([60_000, 120_000, 240_000]);
  });

  it('forgets lockouts after a day without attempts; a quiet round ends after ROUND_MS', () => {
    const locked = run([0, 0, 0]).pair;
    const later = run([60_000 + FORGET_LOCKOUTS_MS, 60_000 + FORGET_LOCKOUTS_MS, 60_000 + FORGET_LOCKOUTS_MS], S, { pair: locked, account: EMPTY_ACCOUNT });
    expect(later.pair.lockedUntil! - (60_000 + FORGET_LOCKOUTS_MS)).toBe(60_000);
    const twoThenQuiet = run([0, 1, ROUND_MS + 1, ROUND_MS + 2]);
    expect(twoThenQuiet.allowed).toEqual([true, true, true, true]);
    expect(twoThenQuiet.pair).toMatchObject({ attempts: 2, lockedUntil: null });
  });

  it('a success ends the round and the lockouts, and makes the address known', () => {
    const r = run([0, 1]);
    const ok = afterSuccess(r.pair, 2);
    expect(ok).toMatchObject({ attempts: 0, lockedUntil: null, lockouts: 0, lastSuccessAt: 2 });
    expect(run([3, 4, 5, 6], S, { pair: ok, account: r.account }).allowed).toEqual([true, true, true, false]);
  });

  it('above the account-wide ceiling only known addresses may try, until the window ends', () => {
    const s = { ...S, maxAttempts: 100, accountMaxAttempts: 4 };
    const stranger = run([0, 1, 2, 3, 4], s);
    expect(stranger.allowed).toEqual([true, true, true, true, false]);
    expect(stranger.claims[4]).toEqual({ allow: false, by: 'account', retryAfterMs: ROUND_MS - 4 });
    const owner: PairState = { ...EMPTY_PAIR, lastSuccessAt: -1000 };
    const fromHome = claimAttempt(owner, stranger.account, 5, s);
    expect(fromHome.allow).toBe(true);
    const newcomer = claimAttempt(EMPTY_PAIR, stranger.account, 6, s);
    expect(newcomer.allow).toBe(false);
    expect(claimAttempt(EMPTY_PAIR, stranger.account, ROUND_MS, s).allow).toBe(true);
  });

  it('property: never a check while the pair is locked, never more than maxAttempts in a round, whatever the timing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 400_000 }), { minLength: 1, maxLength: 120 }),
        (maxAttempts, gaps) => {
          const s = { ...S, maxAttempts, lockoutMs: 10_000, maxLockoutMs: 40_000 };
          let t = 0;
          const times = gaps.map((g) => (t += g));
          const r = run(times, s);
          // An independent model of rounds: one begins at the first attempt, after ROUND_MS, or once a lock has passed.
          let lockedUntil = -Infinity;
          let roundStart = -Infinity;
          let lockedInRound = false;
          let inRound = 0;
          times.forEach((time, i) => {
            const c = r.claims[i]!;
            if (time < lockedUntil) {
              expect(c.allow).toBe(false);
              return;
            }
            expect(c.allow).toBe(true);
            if (!c.allow) return;
            if (lockedInRound || time - roundStart >= ROUND_MS) {
              roundStart = time;
              inRound = 0;
              lockedInRound = false;
            }
            inRound++;
            expect(inRound).toBeLessThanOrEqual(maxAttempts);
            if (inRound === maxAttempts) {
              expect(c.pair.lockedUntil).toBeGreaterThan(time);
              lockedUntil = c.pair.lockedUntil!;
              lockedInRound = true;
            }
          });
        },
      ),
    );
  });
});
