/**
 * DTM's store, as `GET /api/dtmsvr/query` answers it, mapped to the
 * coordinator object of `/api/sagas/{id}` (DESIGN.md §5) and to the model's
 * input (lib/saga/coordinator.ts). Pure.
 *
 * Retry count, as DTM derives it (dtmsvr/trans_status.go): every call that
 * fails with anything but FAILURE / ONGOING backs off, doubling
 * next_cron_interval (cronBackoff: `NextCronInterval * 2`); ONGOING keeps it
 * (cronKeep); a success resets it to the transaction's retry_interval, else
 * the server's RetryInterval (default 10 s) (cronReset, getNextCronInterval).
 * So after n failed calls since the last reset, next_cron_interval = base × 2ⁿ
 * and n = log2(next_cron_interval / base). The next call DTM makes is attempt n + 1.
 */
import type { CoordinatorBranchOp, CoordinatorDivergence, CoordinatorInput, CoordinatorStatus } from '../saga/types';
import type { DtmQuery, DtmTransaction } from './shapes';

/** DTM's own default RetryInterval (dtmsvr/config/config.go), when the transaction sets none. */
export const DTM_DEFAULT_RETRY_INTERVAL_S = 10;

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
  /** Failed calls since DTM's last reset (from next_cron_interval); the next call is attempt retryCount + 1. */
  retryCount: number | null;
  rollbackReason: string | null;
  branches: Array<{ branchId: string; op: string; status: CoordinatorStatus; url: string; finishedAt: string | null }>;
  /** When DTM answered (ISO); the page says how old the view is. */
  fetchedAt: string | null;
  divergences: CoordinatorDivergence[];
  /** Set when DTM could not be read now: unreachable, slow, or answering garbage. The span-only verdict stands. */
  error: string | null;
}

/** The transaction's own retry_interval: top-level (newer DTM) or inside its stored options JSON. */
function retryIntervalOf(t: DtmTransaction): number | null {
  if (t.retry_interval && t.retry_interval > 0) return t.retry_interval;
  if (t.options) {
    try {
      const o = JSON.parse(t.options) as { retry_interval?: unknown };
      if (typeof o.retry_interval === 'number' && o.retry_interval > 0) return o.retry_interval;
    } catch {
      // not JSON: DTM's default applies
    }
  }
  return null;
}

export function retryCountOf(t: DtmTransaction, defaultIntervalS = DTM_DEFAULT_RETRY_INTERVAL_S): number | null {
  const interval = t.next_cron_interval;
  if (!interval || interval <= 0) return null;
  const base = retryIntervalOf(t) ?? defaultIntervalS;
  if (base <= 0) return null;
  return Math.max(0, Math.round(Math.log2(interval / base)));
}

const finished = (s: CoordinatorStatus) => s === 'succeed' || s === 'failed';

export interface MappedView {
  json: CoordinatorJson;
  input: CoordinatorInput;
}

/** DTM's answer for a gid it knows, as the page's object (without divergences: the model adds them) and the model's input. */
export function mapDtmQuery(server: string, q: DtmQuery & { transaction: DtmTransaction }, fetchedMs: number, defaultIntervalS?: number): MappedView {
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
      retryCount: open ? retryCountOf(t, defaultIntervalS) : null,
      rollbackReason: t.rollback_reason ? t.rollback_reason : null,
      branches: branches.map((b) => ({
        branchId: b.branchId, op: b.op, status: b.status, url: b.url, finishedAt: b.finishedMs === null ? null : new Date(b.finishedMs).toISOString(),
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
    kind: 'dtm', server, status: null, transType: null, nextRetryAt: null, retryCount: null, rollbackReason: null,
    branches: [], fetchedAt: null, divergences: [], error,
  };
}
