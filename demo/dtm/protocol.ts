/**
 * DTM's protocol facts, as pure code: the words it stores, how it reads a
 * branch's answer, how it calls a branch, and how it paces retries. The demo's
 * DTM test double (demo/dtm, see server.ts) is built on these; each fact cites
 * the file of dtm-labs/dtm it comes from. Nothing here is DTM's code: DTM is Go,
 * this is a re-statement of its behaviour for a test double.
 */

// ---- words (dtmcli/consts.go; "aborting" from dtmsvr/storage/sql/sql.go LockOneGlobalTrans) ----

/** Global statuses, as stored in trans_global.status. */
export const STATUS = {
  prepared: 'prepared',
  submitted: 'submitted',
  aborting: 'aborting',
  succeed: 'succeed',
  failed: 'failed',
} as const;
export type GlobalStatus = (typeof STATUS)[keyof typeof STATUS];

/** Branch statuses, as stored in trans_branch_op.status (dtmcli/consts.go; api_http.go registerBranch: StatusPrepared). */
export type BranchStatus = 'prepared' | 'succeed' | 'failed';

/** Branch ops (dtmcli/consts.go Branch*; the msg check-back op "msg": dtmsvr/trans_type_msg.go mayQueryPrepared). */
export const OPS = ['action', 'compensate', 'try', 'confirm', 'cancel', 'commit', 'rollback', 'msg'] as const;
export type BranchOp = (typeof OPS)[number];

export const TRANS_TYPES = ['saga', 'tcc', 'msg', 'xa'] as const;
export type TransType = (typeof TRANS_TYPES)[number];

/** The statuses the cron picks up (dtmsvr/storage/sql/sql.go LockOneGlobalTrans: status in ('prepared', 'aborting', 'submitted')). */
export const UNFINISHED: readonly GlobalStatus[] = ['prepared', 'aborting', 'submitted'];

/** dtmcli/dtmimp/consts.go ResultSuccess / ResultFailure / ResultOngoing. */
export const RESULT = { success: 'SUCCESS', failure: 'FAILURE', ongoing: 'ONGOING' } as const;

// ---- configuration defaults (dtmsvr/config/config.go) ----

export interface DtmTimings {
  /** RetryInterval, seconds (default 10). */
  retryIntervalS: number;
  /** TimeoutToFail, seconds (default 35): how long a prepared msg / tcc / xa waits before DTM acts on it. */
  timeoutToFailS: number;
  /** RequestTimeout, seconds (default 3): per branch call. */
  requestTimeoutS: number;
  /** TransCronInterval, seconds (default 3): how often the cron looks for due transactions. */
  cronIntervalS: number;
}

export const DTM_DEFAULTS: Readonly<DtmTimings> = { retryIntervalS: 10, timeoutToFailS: 35, requestTimeoutS: 3, cronIntervalS: 3 };

// ---- reading a branch's answer ----

export type BranchAnswer = 'SUCCESS' | 'FAILURE' | 'ONGOING' | 'ERROR';

/**
 * dtmcli/dtmimp/utils.go RespAsErrorCompatible: 425 or a body containing
 * "ONGOING" is ongoing (checked first); 409 or a body containing "FAILURE" is
 * failure; any other non-200 code an error (retried); 200 success. A network
 * error or timeout is an error too (dtmsvr/trans_status.go getURLResult returns it).
 */
export function classifyAnswer(status: number, body: string): BranchAnswer {
  if (status === 425 || body.includes(RESULT.ongoing)) return 'ONGOING';
  if (status === 409 || body.includes(RESULT.failure)) return 'FAILURE';
  if (status !== 200) return 'ERROR';
  return 'SUCCESS';
}

/**
 * What a branch's answer does to the branch (dtmsvr/trans_status.go
 * getBranchResult): success → branch `succeed`; FAILURE of a saga action →
 * branch `failed` (the saga rolls back); anything else leaves the branch
 * `prepared` — ONGOING is kept as ongoing, FAILURE of any other op (a msg
 * action, a compensation, a confirm …) and errors are retried.
 */
export function branchOutcome(transType: TransType, op: BranchOp, answer: BranchAnswer): { status: BranchStatus | null; retry: 'none' | 'ongoing' | 'error' } {
  if (answer === 'SUCCESS') return { status: 'succeed', retry: 'none' };
  if (answer === 'FAILURE' && transType === 'saga' && op === 'action') return { status: 'failed', retry: 'none' };
  if (answer === 'ONGOING') return { status: null, retry: 'ongoing' };
  return { status: null, retry: 'error' };
}

// ---- calling a branch ----

export interface BranchRequest {
  method: 'GET' | 'POST';
  url: string;
  /** The stored body, replayed as it is on every attempt; null for GET. */
  body: string | null;
}

/**
 * dtmsvr/trans_status.go getURLResult (HTTP protocol): the branch URL with the
 * query parameters gid, trans_type, branch_id, op added (resty SetQueryParams:
 * added to those the URL already has); POST with the stored payload when there
 * is one, and always for XA; GET otherwise. An empty URL is a success without a
 * call (a saga step with no compensation).
 */
export function branchRequest(
  trans: { gid: string; transType: TransType },
  branch: { url: string; branchId: string; op: BranchOp; payload: string | null },
): BranchRequest | null {
  if (branch.url === '') return null;
  const url = new URL(branch.url);
  url.searchParams.set('gid', trans.gid);
  url.searchParams.set('trans_type', trans.transType);
  url.searchParams.set('branch_id', branch.branchId);
  url.searchParams.set('op', branch.op);
  const post = branch.payload !== null || trans.transType === 'xa';
  return { method: post ? 'POST' : 'GET', url: url.toString(), body: post ? (branch.payload ?? '') : null };
}

// ---- pacing retries ----

export type CronType = 'backoff' | 'reset' | 'keep';

/**
 * dtmsvr/trans_status.go getNextCronInterval: backoff doubles the current
 * interval, keep keeps it; reset goes back to the transaction's own
 * retry_interval, else to its timeout_to_fail when that is shorter than the
 * server's RetryInterval, else to the server's RetryInterval.
 */
export function nextCronInterval(
  ctype: CronType,
  current: number,
  trans: { retryIntervalS: number; timeoutToFailS: number },
  conf: Pick<DtmTimings, 'retryIntervalS'>,
): number {
  if (ctype === 'backoff') return current * 2;
  if (ctype === 'keep') return current;
  if (trans.retryIntervalS !== 0) return trans.retryIntervalS;
  if (trans.timeoutToFailS > 0 && trans.timeoutToFailS < conf.retryIntervalS) return trans.timeoutToFailS;
  return conf.retryIntervalS;
}

/**
 * dtmsvr/trans_status.go execBranch, after each branch call:
 *   success and ≥ 1.5 s since the transaction was last touched, OR the current
 *   interval already grew past both the server's and the transaction's retry
 *   interval → reset; else ONGOING → keep; else an error → backoff.
 * (Go's && binds tighter than ||: the second clause holds on errors too, so a
 * second consecutive error resets a doubled interval — DTM's errors alternate
 * 2×RetryInterval, RetryInterval, 2×, 1× … rather than doubling without end.)
 * null: leave the cron time as it is (a success within 1.5 s).
 */
export function cronAfterBranch(
  result: 'none' | 'ongoing' | 'error',
  msSinceTouched: number,
  current: number,
  trans: { retryIntervalS: number },
  conf: Pick<DtmTimings, 'retryIntervalS'>,
): CronType | null {
  if ((result === 'none' && msSinceTouched >= 1500) || (current > conf.retryIntervalS && current > trans.retryIntervalS)) return 'reset';
  if (result === 'ongoing') return 'keep';
  if (result === 'error') return 'backoff';
  return null;
}

/**
 * dtmsvr/trans_status.go isTimeout: a transaction's own timeout_to_fail, else
 * (not for sagas) the server's TimeoutToFail; 0 = never.
 */
export function isTimedOut(trans: { transType: TransType; timeoutToFailS: number; createTime: Date }, conf: Pick<DtmTimings, 'timeoutToFailS'>, now: Date): boolean {
  let timeout = trans.timeoutToFailS;
  if (timeout === 0 && trans.transType !== 'saga') timeout = conf.timeoutToFailS;
  if (timeout === 0) return false;
  return now.getTime() - trans.createTime.getTime() >= timeout * 1000;
}

/** dtmsvr/trans_status.go needProcess: submitted or aborting, or prepared and timed out. */
export function needProcess(status: GlobalStatus, timedOut: boolean): boolean {
  return status === 'submitted' || status === 'aborting' || (status === 'prepared' && timedOut);
}
