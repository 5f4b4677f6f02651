/**
 * The login throttle's state (table login_throttle; rules in lib/auth/throttle.ts).
 *
 * Every change for one account runs in a transaction holding the lock of the
 * account's '*' row (SELECT … FOR UPDATE), so concurrent attempts on the same
 * account — from any process — are decided one after another against the
 * counts the previous ones stored. The '*' row is always locked first, then
 * the address row: one order, no deadlock.
 */
import type { Db, Sql } from '../db/connection';
import {
  EMPTY_ACCOUNT,
  EMPTY_PAIR,
  FORGET_LOCKOUTS_MS,
  KNOWN_ADDRESS_MS,
  afterSuccess,
  claimAttempt,
  type AccountState,
  type Claim,
  type PairState,
  type ThrottleSettings,
} from './throttle';

const ACCOUNT_ROW = '*';

interface Row {
  client: string;
  attempts: number;
  round_started_at: number | null;
  locked_until: number | null;
  lockouts: number;
  last_attempt_at: number | null;
  last_success_at: number | null;
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;
const COLUMNS = ['client', 'attempts', ms('round_started_at'), ms('locked_until'), 'lockouts', ms('last_attempt_at'), ms('last_success_at')].join(', ');
const toDate = (v: number | null) => (v === null ? null : new Date(v).toISOString());

/** Locks the account row (creating both rows if need be) and reads both states. */
async function lockRows(tx: Sql, account: string, client: string): Promise<{ pair: PairState; account: AccountState }> {
  // A row deleted by the clean-up between the INSERT and the lock is created again.
  for (let tries = 0; tries < 3; tries++) {
    await tx.query(`INSERT INTO login_throttle (account, client) VALUES ($1, $2), ($1, $3) ON CONFLICT DO NOTHING`, [account, ACCOUNT_ROW, client]);
    const [acct] = await tx.query<Row>(`SELECT ${COLUMNS} FROM login_throttle WHERE account = $1 AND client = $2 FOR UPDATE`, [account, ACCOUNT_ROW]);
    const [pair] = await tx.query<Row>(`SELECT ${COLUMNS} FROM login_throttle WHERE account = $1 AND client = $2 FOR UPDATE`, [account, client]);
    if (acct && pair) {
      return {
        account: { attempts: acct.attempts, roundStartedAt: acct.round_started_at },
        pair: {
          attempts: pair.attempts,
          roundStartedAt: pair.round_started_at,
          lockedUntil: pair.locked_until,
          lockouts: pair.lockouts,
          lastAttemptAt: pair.last_attempt_at,
          lastSuccessAt: pair.last_success_at,
        },
      };
    }
  }
  // Only a clean-up racing three times in a row gets here; start from nothing rather than fail the sign-in.
  return { pair: EMPTY_PAIR, account: EMPTY_ACCOUNT };
}

async function writePair(tx: Sql, account: string, client: string, p: PairState, now: Date): Promise<void> {
  await tx.query(
    `UPDATE login_throttle SET attempts = $3, round_started_at = $4, locked_until = $5, lockouts = $6, last_attempt_at = $7, last_success_at = $8, updated_at = $9
     WHERE account = $1 AND client = $2`,
    [account, client, p.attempts, toDate(p.roundStartedAt), toDate(p.lockedUntil), p.lockouts, toDate(p.lastAttemptAt), toDate(p.lastSuccessAt), now.toISOString()],
  );
}

/**
 * Counts one sign-in attempt of `account` from `client`, or refuses it. Committed
 * before the caller checks the password: an allowed attempt is spent whatever
 * happens next.
 */
export async function claimLoginAttempt(db: Db, account: string, client: string, now: Date, s: ThrottleSettings): Promise<Claim> {
  return db.transaction(async (tx) => {
    const state = await lockRows(tx, account, client);
    const claim = claimAttempt(state.pair, state.account, now.getTime(), s);
    if (claim.allow) {
      await tx.query(`UPDATE login_throttle SET attempts = $3, round_started_at = $4, updated_at = $5 WHERE account = $1 AND client = $2`, [
        account,
        ACCOUNT_ROW,
        claim.account.attempts,
        toDate(claim.account.roundStartedAt),
        now.toISOString(),
      ]);
      await writePair(tx, account, client, claim.pair, now);
    }
    return claim;
  });
}

/** A successful sign-in from `client`: its round and lockouts end; the address is known to the account from now on. */
export async function recordLoginSuccess(db: Db, account: string, client: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const state = await lockRows(tx, account, client);
    await writePair(tx, account, client, afterSuccess(state.pair, now.getTime()), now);
  });
}

/**
 * Forgets rows unused for a day (a month for an address the account signed in
 * from). Rows for names that do not exist are made by anyone who tries one, so
 * they must not pile up; a lockout never lasts long enough to be cut short.
 */
export async function pruneLoginThrottle(db: Sql, now: Date): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `WITH gone AS (
       DELETE FROM login_throttle
       WHERE updated_at < $1 AND (last_success_at IS NULL OR updated_at < $2) AND (locked_until IS NULL OR locked_until < $3)
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [new Date(now.getTime() - FORGET_LOCKOUTS_MS).toISOString(), new Date(now.getTime() - KNOWN_ADDRESS_MS).toISOString(), now.toISOString()],
  );
  return rows[0]?.n ?? 0;
}
