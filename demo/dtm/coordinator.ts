/**
 * The DTM test double's engine: processes a global transaction the way
 * dtmsvr does (dtmsvr/trans_process.go Process / processInner and the
 * per-type processors dtmsvr/trans_type_{saga,tcc,msg,xa}.go), and the cron
 * that picks up due unfinished transactions (dtmsvr/cron.go).
 *
 * It calls branches over plain HTTP and emits no spans: DTM emits none and
 * propagates no trace context, so every branch call is the participant's own
 * server span and nothing else. (This process never loads OpenTelemetry.)
 */
import { randomBytes } from 'node:crypto';
import {
  DTM_DEFAULTS, branchOutcome, branchRequest, classifyAnswer, cronAfterBranch, isTimedOut, needProcess, nextCronInterval,
  type BranchAnswer, type CronType, type DtmTimings, type GlobalStatus,
} from './protocol';
import { parseSagaCustom, pickActions, pickCompensates, prepareToCompensate, type SagaSlot } from './saga-order';
import { StatusChanged, type BranchRow, type DtmStore, type GlobalRow } from './store';

/** The transaction's options (dtmcli/dtmimp/trans_base.go TransOptions, stored as JSON in trans_global.options). */
export interface TransOptions {
  wait_result?: boolean;
  timeout_to_fail?: number;
  request_timeout?: number;
  retry_interval?: number;
  passthrough_headers?: string[];
  branch_headers?: Record<string, string>;
  concurrent: boolean;
  rollback_reason?: string;
}

export function parseOptions(text: string): TransOptions {
  if (text === '') return { concurrent: false };
  try {
    const o = JSON.parse(text) as TransOptions;
    return { ...o, concurrent: o.concurrent === true };
  } catch {
    return { concurrent: false };
  }
}

/** A failure DTM reports as FAILURE (HTTP 409 from its own API: dtmutil WrapHandler2). */
export class DtmFailure extends Error {}

export interface CoordinatorOptions {
  timings?: Partial<DtmTimings>;
  /** The cron's poll interval in ms (DTM: TransCronInterval s, minus up to 1 s of jitter); default from timings. */
  cronPollMs?: number;
  /** Where the double's own log lines go. */
  log?: (line: string) => void;
}

interface Live {
  row: GlobalRow;
  opts: TransOptions;
  lastTouched: number;
}

export class Coordinator {
  readonly timings: DtmTimings;
  private readonly cronPollMs: number;
  private readonly log: (line: string) => void;
  private cronTimer: NodeJS.Timeout | null = null;
  private wakeCron: (() => void) | null = null;
  private stopped = false;
  private cronRunning: Promise<void> | null = null;
  /** Background processing started by submit/abort (wait_result false), awaited on close. */
  readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Transactions being processed in this process. The cron leaves them alone:
   * DTM's lease (next_cron_time moved RetryInterval ahead) lets a second round
   * start on a transaction whose first round outlasts the interval, which with
   * the 1 s intervals of tests would call branches twice for no reason.
   */
  private readonly processing = new Set<string>();

  constructor(
    readonly store: DtmStore,
    opts: CoordinatorOptions = {},
  ) {
    this.timings = { ...DTM_DEFAULTS, ...opts.timings };
    this.cronPollMs = opts.cronPollMs ?? this.timings.cronIntervalS * 1000;
    this.log = opts.log ?? (() => undefined);
  }

  // ---- processing ----

  /**
   * dtmsvr/trans_process.go process: without wait_result the work runs in the
   * background and the caller hears SUCCESS at once; with it, a submitted
   * transaction that did not succeed is a FAILURE carrying the rollback reason.
   */
  async process(row: GlobalRow, branches: BranchRow[], waitResult?: boolean): Promise<void> {
    const live: Live = { row, opts: parseOptions(row.options), lastTouched: Date.now() };
    const wait = waitResult ?? live.opts.wait_result === true;
    if (!wait) {
      const p = this.processInner(live, branches).catch((err) => this.log(`process ${row.gid}: ${(err as Error).message}`));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
      return;
    }
    const submitting = row.status === 'submitted';
    await this.processInner(live, branches);
    if (submitting && live.row.status !== 'succeed') {
      throw new DtmFailure(live.row.rollbackReason !== '' ? live.row.rollbackReason : 'wait result not return success');
    }
  }

  private async processInner(t: Live, branches: BranchRow[]): Promise<void> {
    t.lastTouched = Date.now();
    this.processing.add(t.row.gid);
    try {
      switch (t.row.transType) {
        case 'saga': return await this.processSaga(t, branches);
        case 'tcc': return await this.processTcc(t, branches);
        case 'xa': return await this.processXa(t, branches);
        case 'msg': return await this.processMsg(t, branches);
      }
    } catch (err) {
      // forceStop (or another processor) moved the transaction on: nothing more to do here.
      if (err instanceof StatusChanged) return;
      throw err;
    } finally {
      this.processing.delete(t.row.gid);
    }
  }

  private timedOut(t: Live): boolean {
    return isTimedOut({ transType: t.row.transType, timeoutToFailS: t.opts.timeout_to_fail ?? 0, createTime: t.row.createTime ?? new Date() }, this.timings, new Date());
  }

  private async changeStatus(t: Live, status: GlobalStatus, rollbackReason?: string): Promise<void> {
    await this.store.changeStatus(t.row, status, new Date(), rollbackReason);
  }

  /** dtmsvr/trans_status.go touchCronTime. */
  private async touchCronTime(t: Live, ctype: CronType): Promise<void> {
    t.lastTouched = Date.now();
    const interval = nextCronInterval(ctype, t.row.nextCronInterval ?? 0, { retryIntervalS: t.opts.retry_interval ?? 0, timeoutToFailS: t.opts.timeout_to_fail ?? 0 }, this.timings);
    const now = new Date();
    await this.store.touchCronTime(t.row, interval, new Date(now.getTime() + interval * 1000), now);
  }

  /** One branch call (dtmsvr/trans_status.go getURLResult over HTTP). */
  async callBranch(t: Live, url: string, branchId: string, op: BranchRow['op'], payload: Buffer | null): Promise<{ answer: BranchAnswer; text: string }> {
    const req = branchRequest({ gid: t.row.gid, transType: t.row.transType }, { url, branchId, op, payload: payload === null ? null : payload.toString('utf8') });
    if (req === null) return { answer: 'SUCCESS', text: '' }; // empty url is success
    const timeoutS = t.opts.request_timeout || this.timings.requestTimeoutS;
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: { 'Content-type': 'application/json', ...(t.opts.branch_headers ?? {}) },
        body: req.body ?? undefined,
        signal: AbortSignal.timeout(timeoutS * 1000),
      });
      const text = await res.text();
      return { answer: classifyAnswer(res.status, text), text };
    } catch (err) {
      return { answer: 'ERROR', text: (err as Error).message };
    }
  }

  /** dtmsvr/trans_status.go execBranch: call, record the branch's new status, pace the cron. */
  private async execBranch(t: Live, b: BranchRow): Promise<{ retry: 'none' | 'ongoing' | 'error'; error: string | null }> {
    const { answer, text } = await this.callBranch(t, b.url, b.branchId, b.op, b.binData);
    const outcome = branchOutcome(t.row.transType, b.op, answer);
    if (outcome.status !== null) await this.store.changeBranchStatus(b, outcome.status, new Date());
    const ctype = cronAfterBranch(outcome.retry, Date.now() - t.lastTouched, t.row.nextCronInterval ?? 0, { retryIntervalS: t.opts.retry_interval ?? 0 }, this.timings);
    if (ctype !== null) await this.touchCronTime(t, ctype);
    const failed = answer === 'FAILURE' ? `url:${b.url} return failed: ${text}. FAILURE` : null;
    return { retry: outcome.retry, error: outcome.retry === 'none' ? failed : `${b.op} ${b.branchId}: ${answer} ${text}`.slice(0, 500) };
  }

  /** dtmsvr/trans_type_saga.go ProcessOnce. */
  private async processSaga(t: Live, branches: BranchRow[]): Promise<void> {
    if (t.row.status === 'submitted' && this.timedOut(t)) await this.changeStatus(t, 'aborting', `Timeout after ${t.opts.timeout_to_fail} seconds`);
    const custom = parseSagaCustom(t.row.customData);
    const slots: SagaSlot[] = branches.map((b) => ({ op: b.op, status: b.status, started: false }));
    let aToStart = 0, aStarted = 0, aDone = 0, aFailed = 0, aSucceed = 0, cToStart = 0, cDone = 0, cSucceed = 0;
    let failureError = '';
    for (const b of branches) {
      if (b.op === 'action' && b.status === 'prepared') aToStart++;
      else if (b.op === 'action' && b.status === 'failed') aFailed++;
    }
    const results: Array<{ index: number; error: string | null }> = [];
    let wake: (() => void) | null = null;
    const run = (toRun: number[]) => {
      for (const i of toRun) {
        slots[i].started = true;
        if (slots[i].op === 'action') aStarted++;
        void this.execBranch(t, branches[i]).then(
          (r) => results.push({ index: i, error: r.error }),
          (err) => results.push({ index: i, error: (err as Error).message }),
        ).finally(() => wake?.());
      }
    };
    /** waitDoneOnce: one result, or 3 s. */
    const waitDoneOnce = async () => {
      if (results.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 3_000);
          wake = () => { clearTimeout(timer); resolve(); };
        });
        wake = null;
      }
      const r = results.shift();
      if (!r) return;
      const b = branches[r.index];
      slots[r.index].status = b.status;
      if (b.op === 'action') {
        aDone++;
        if (b.status === 'failed') { aFailed++; failureError = r.error ?? 'FAILURE'; }
        else if (b.status === 'succeed') aSucceed++;
      } else {
        cDone++;
        if (b.status === 'succeed') cSucceed++;
      }
    };
    const timeLimit = Date.now() + (this.timings.requestTimeoutS + 2) * 1000;
    while (Date.now() < timeLimit && t.row.status === 'submitted' && !this.timedOut(t) && aFailed === 0) {
      run(pickActions(slots, custom));
      if (aDone === aStarted) break;
      await waitDoneOnce();
    }
    if (t.row.status === 'submitted' && aFailed === 0 && aToStart === aSucceed) return this.changeStatus(t, 'succeed');
    if (t.row.status === 'submitted' && aFailed > 0) await this.changeStatus(t, 'aborting', failureError);
    if (t.row.status === 'submitted' && this.timedOut(t)) await this.changeStatus(t, 'aborting', `Timeout after ${t.opts.timeout_to_fail} seconds`);
    if (t.row.status === 'aborting') cToStart = prepareToCompensate(slots, custom);
    while (Date.now() < timeLimit && t.row.status === 'aborting') {
      run(pickCompensates(slots, custom));
      if (cDone === cToStart) break;
      await waitDoneOnce();
    }
    // Results still under way past the time limit land in the store; the cron takes it from there.
    if (t.row.status === 'aborting' && cToStart === cSucceed) await this.changeStatus(t, 'failed');
  }

  /** dtmsvr/trans_type_tcc.go ProcessOnce: confirm (or cancel) every prepared branch, last registered first. */
  private async processTcc(t: Live, branches: BranchRow[]): Promise<void> {
    if (!needProcess(t.row.status, this.timedOut(t))) return;
    if (t.row.status === 'prepared' && this.timedOut(t)) await this.changeStatus(t, 'aborting', `Timeout after ${t.opts.timeout_to_fail ?? this.timings.timeoutToFailS} seconds`);
    const op = t.row.status === 'submitted' ? 'confirm' : 'cancel';
    for (let i = branches.length - 1; i >= 0; i--) {
      if (branches[i].op !== op || branches[i].status !== 'prepared') continue;
      const r = await this.execBranch(t, branches[i]);
      if (r.retry !== 'none') return;
    }
    await this.changeStatus(t, t.row.status === 'submitted' ? 'succeed' : 'failed');
  }

  /** dtmsvr/trans_type_xa.go ProcessOnce: commit (or roll back) every branch not yet succeeded, in order. */
  private async processXa(t: Live, branches: BranchRow[]): Promise<void> {
    if (!needProcess(t.row.status, this.timedOut(t))) return;
    if (t.row.status === 'prepared' && this.timedOut(t)) await this.changeStatus(t, 'aborting');
    const op = t.row.status === 'submitted' ? 'commit' : 'rollback';
    for (const b of branches) {
      if (b.op !== op || b.status === 'succeed') continue;
      const r = await this.execBranch(t, b);
      if (r.retry !== 'none') return;
    }
    await this.changeStatus(t, t.row.status === 'submitted' ? 'succeed' : 'failed');
  }

  /** dtmsvr/trans_type_msg.go mayQueryPrepared + ProcessOnce. */
  private async processMsg(t: Live, branches: BranchRow[]): Promise<void> {
    if (needProcess(t.row.status, this.timedOut(t)) && t.row.status !== 'submitted') {
      // The check-back ("QueryPrepared"): branch 00, op msg, no body → GET.
      const { answer, text } = await this.callBranch(t, t.row.queryPrepared, '00', 'msg', null);
      if (answer === 'SUCCESS') await this.changeStatus(t, 'submitted');
      else if (answer === 'FAILURE') await this.changeStatus(t, 'failed');
      else if (answer === 'ONGOING') await this.touchCronTime(t, 'reset');
      else {
        this.log(`getting result failed for ${t.row.queryPrepared}: ${text}`);
        await this.touchCronTime(t, 'backoff');
      }
    }
    if (!needProcess(t.row.status, this.timedOut(t)) || t.row.status === 'prepared') return;
    for (const b of branches) {
      if (b.op !== 'action' || b.status !== 'prepared') continue;
      const r = await this.execBranch(t, b);
      if (r.retry !== 'none') return;
    }
    await this.changeStatus(t, 'succeed');
  }

  // ---- the cron ----

  /** dtmsvr/cron.go CronTransOnce: lock one due transaction and process it, waiting for the result. */
  async cronOnce(): Promise<string | null> {
    const row = await this.store.lockOneDue(randomBytes(11).toString('base64url'), this.timings.retryIntervalS, new Date());
    if (row === null) return null;
    if (this.processing.has(row.gid)) return row.gid;
    const branches = await this.store.findBranches(row.gid);
    try {
      await this.process(row, branches, true);
    } catch (err) {
      if (!(err instanceof DtmFailure)) this.log(`cron ${row.gid}: ${(err as Error).message}`);
    }
    return row.gid;
  }

  /** dtmsvr/cron.go CronExpiredTrans: forever; sleeps (TransCronInterval − up to 1 s) when nothing was due. */
  startCron(): void {
    const loop = async () => {
      while (!this.stopped) {
        let gid: string | null = null;
        try {
          gid = await this.cronOnce();
        } catch (err) {
          this.log(`cron: ${(err as Error).message}`);
        }
        if (gid !== null || this.stopped) continue;
        const jitter = Math.min(1_000, this.cronPollMs / 3) * Math.random();
        await new Promise<void>((resolve) => {
          this.wakeCron = resolve;
          this.cronTimer = setTimeout(resolve, Math.max(1, this.cronPollMs - jitter));
        });
        this.wakeCron = null;
      }
    };
    this.cronRunning = loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.cronTimer) clearTimeout(this.cronTimer);
    this.wakeCron?.();
    await this.cronRunning;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 5_000))]);
  }
}
