/**
 * DTM's store, as `GET /api/dtmsvr/query` answers it, mapped to the
 * coordinator object of `/api/sagas/{id}` (DESIGN.md §5) and to the model's
 * input (lib/saga/coordinator.ts). Pure.
 *
 * No attempt count: DTM's store does not hold one, and none can be derived.
 * DTM keeps per transaction only next_cron_time and next_cron_interval, and
 * dtm-labs/dtm dtmsvr/trans_status.go execBranch rewrites the interval after
 * every branch call:
 *   (success && ≥ 1.5 s since last touched) || (interval > server RetryInterval
 *   && interval > the transaction's retry_interval) → cronReset (back to the base);
 *   ONGOING → cronKeep; any other error → cronBackoff (interval × 2).
 * Go's && binds tighter than ||, so a failed call whose interval already grew
 * past both bases resets it: with the default 10 s the interval runs 10 → 20
 * → 10 → 20 … (a short per-transaction retry_interval doubles up to the
 * server's, then falls back). Successes of other branches reset it too, the
 * cron's lease (dtmsvr/storage/sql/sql.go LockOneGlobalTrans) moves
 * next_cron_time without touching the interval, and trans_branch_op rows keep
 * only a status. So an interval of 20 s is one failed call or fifty; what is
 * knowable is the next call's time, the current interval, and the calls of each
 * branch op whose spans reached sagascope (withCallsSeen).
 */
import type { CoordinatorBranchOp, CoordinatorDivergence, CoordinatorInput, CoordinatorStatus, Step } from '../saga/types';
import type { DtmQuery, DtmTransaction } from './shapes';

/** The `coordinator` field of /api/sagas/{id} (DESIGN.md §5), plus how fresh it is and why it may be missing. */
export interface CoordinatorJson {
  kind: 'dtm';
  /** The DTM server (configured base URL) that owns the gid. */
  server: string;
  /** DTM's own words (prepared, submitted, aborting, succeed, failed); null when DTM could not be read. */
  status: CoordinatorStatus | null;
  transType: string | null;
  /** next_cron_time while unfinished: when DTM calls the branches again. */
  nextRetryAt: string | null;
  /**
   * next_cron_interval while unfinished, seconds: the wait DTM set at its last call (doubled after a failed
   * call, back to the base after a success or once it grew past the base). Not an attempt count: DTM keeps none.
   */
  retryIntervalS: number | null;
  rollbackReason: string | null;
  branches: CoordinatorBranchJson[];
  /** When DTM answered (ISO); the page says how old the view is. */
  fetchedAt: string | null;
  divergences: CoordinatorDivergence[];
  /** Set when DTM could not be read now: unreachable, slow, or answering garbage. The span-only verdict stands. */
  error: string | null;
}

/** One row of trans_branch_op, with the calls of that op that sagascope saw as spans. */
export interface CoordinatorBranchJson {
  branchId: string;
  op: string;
  status: CoordinatorStatus;
  url: string;
  finishedAt: string | null;
  /**
   * Calls of this branch op whose spans reached sagascope (one per attempt), and how many of them failed.
   * DTM does not count its calls; a dropped span, or an uninstrumented service, makes this lower than DTM's real number.
   */
  callsSeen: number;
  failedCallsSeen: number;
}

const finished = (s: CoordinatorStatus) => s === 'succeed' || s === 'failed';

export interface MappedView {
  json: CoordinatorJson;
  input: CoordinatorInput;
}

/** DTM's answer for a gid it knows, as the page's object (without divergences: the model adds them) and the model's input. */
export function mapDtmQuery(server: string, q: DtmQuery & { transaction: DtmTransaction }, fetchedMs: number): MappedView {
  const t = q.transaction;
  const branches: CoordinatorBranchOp[] = q.branches.map((b) => ({
    branchId: b.branch_id,
    op: b.op,
    status: b.status,
    url: b.url,
    finishedMs: b.finish_time,
  }));
  // Sorted like DTM's own list (branch id, then op in the order DTM runs them): the page and the tests read them in one order.
  branches.sort((a, b) => (a.branchId < b.branchId ? -1 : a.branchId > b.branchId ? 1 : a.op < b.op ? -1 : a.op > b.op ? 1 : 0));
  const open = !finished(t.status);
  const nextRetryMs = open ? t.next_cron_time : null;
  return {
    json: {
      kind: 'dtm',
      server,
      status: t.status,
      transType: t.trans_type || null,
      nextRetryAt: nextRetryMs === null ? null : new Date(nextRetryMs).toISOString(),
      retryIntervalS: open && t.next_cron_interval ? t.next_cron_interval : null,
      rollbackReason: t.rollback_reason ? t.rollback_reason : null,
      branches: branches.map((b) => ({
        branchId: b.branchId, op: b.op, status: b.status, url: b.url, finishedAt: b.finishedMs === null ? null : new Date(b.finishedMs).toISOString(),
        callsSeen: 0, failedCallsSeen: 0,
      })),
      fetchedAt: new Date(fetchedMs).toISOString(),
      divergences: [],
      error: null,
    },
    input: { status: t.status, nextRetryMs, branches, fetchedMs },
  };
}

/** What the page shows when DTM owns the gid but could not be read now. */
export function unavailableView(server: string, error: string): CoordinatorJson {
  return {
    kind: 'dtm', server, status: null, transType: null, nextRetryAt: null, retryIntervalS: null, rollbackReason: null,
    branches: [], fetchedAt: null, divergences: [], error,
  };
}

/** Results that are a failed call (lib/saga/types.ts StepResult): the work was not done and the caller heard so. */
const FAILED_RESULTS = new Set<Step['result']>(['failure', 'transient']);

/**
 * The page's coordinator object with the model's divergences and, per branch op, the calls whose spans
 * sagascope saw: the saga's steps of that branch (a zero-code step's key is its DTM branch id) and op.
 */
export function withCallsSeen(json: CoordinatorJson, steps: readonly Pick<Step, 'key' | 'op' | 'result'>[], divergences: CoordinatorDivergence[]): CoordinatorJson {
  const seen = new Map<string, { calls: number; failed: number }>();
  for (const s of steps) {
    const k = `${s.key}\u0000${s.op}`;
    const c = seen.get(k) ?? { calls: 0, failed: 0 };
    c.calls++;
    if (FAILED_RESULTS.has(s.result)) c.failed++;
    seen.set(k, c);
  }
  return {
    ...json,
    divergences,
    branches: json.branches.map((b) => {
      const c = seen.get(`${b.branchId}\u0000${b.op}`);
      return { ...b, callsSeen: c?.calls ?? 0, failedCallsSeen: c?.failed ?? 0 };
    }),
  };
}
