/**
 * DTM's sub-transaction barrier: every action and compensation first records
 * (gid, branch_id, op) in the participant's own database, in the SAME local
 * transaction as the business change. The unique key then settles the three
 * classic distributed-transaction hazards without any coordination:
 *
 * - a re-sent call (retry after a timeout) finds its row: no-op ("duplicate");
 * - a compensation whose action never ran (it timed out or was lost) inserts
 *   the action's row itself, marked reason='rollback', and does nothing: a
 *   "null compensation", which the span reports as saga.step.result=skipped;
 * - an action arriving after that compensation (it was held up in the network)
 *   finds the marker and is refused: a "hanging action", reported as
 *   saga.step.result=rejected.
 *
 * A business change that fails rolls back its barrier row with it, so a failed
 * action looks to its compensation exactly like one that never ran.
 */
import type { Queryable } from './sql';

export type BarrierOp = 'action' | 'compensate' | 'try' | 'confirm' | 'cancel' | 'commit' | 'rollback' | 'msg';
export type BarrierOutcome = 'executed' | 'duplicate' | 'null_compensation' | 'rejected';

export const BARRIER_DDL = `
CREATE TABLE IF NOT EXISTS barrier (
  id bigserial PRIMARY KEY,
  trans_type text NOT NULL,
  gid text NOT NULL,
  branch_id text NOT NULL,
  op text NOT NULL,
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (gid, branch_id, op)
)`;

/** The marker's reason: written by a compensation on behalf of an action that never ran. */
export const ROLLBACK_MARKER = 'rollback';

/** The forward op a compensation undoes (an XA rollback undoes the local prepare, `action`); null for forward ops. */
export function originOf(op: BarrierOp): 'action' | 'try' | null {
  if (op === 'compensate' || op === 'rollback') return 'action';
  if (op === 'cancel') return 'try';
  return null;
}

/**
 * A forward call (action, try, confirm). `inserted`: its own row was new;
 * otherwise `existingReason` is the reason of the row already there.
 */
export function forwardDecision(inserted: boolean, existingReason: string | null): BarrierOutcome {
  if (inserted) return 'executed';
  return existingReason === ROLLBACK_MARKER ? 'rejected' : 'duplicate';
}

/**
 * A compensation (compensate, cancel). `originInserted`: the marker for its
 * action was new, i.e. the action never ran; `selfInserted`: its own row was new.
 */
export function compensationDecision(originInserted: boolean, selfInserted: boolean): BarrierOutcome {
  if (!selfInserted) return 'duplicate';
  return originInserted ? 'null_compensation' : 'executed';
}

export interface BarrierCall {
  transType: string;
  gid: string;
  branchId: string;
  op: BarrierOp;
}

async function insertRow(tx: Queryable, call: BarrierCall, op: string, reason: string): Promise<boolean> {
  const r = await tx.query(
    `INSERT INTO barrier (trans_type, gid, branch_id, op, reason) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (gid, branch_id, op) DO NOTHING`,
    [call.transType, call.gid, call.branchId, op, reason],
  );
  return r.rowCount === 1;
}

/**
 * Runs `business` inside the barrier, in `tx` (the caller's local transaction).
 * Returns what the barrier decided; `business` runs only for 'executed'.
 */
export async function throughBarrier<T>(
  tx: Queryable,
  call: BarrierCall,
  business: () => Promise<T>,
): Promise<{ outcome: BarrierOutcome; value: T | null }> {
  const origin = originOf(call.op);
  let outcome: BarrierOutcome;
  if (origin === null) {
    const inserted = await insertRow(tx, call, call.op, call.op);
    let existing: string | null = null;
    if (!inserted) {
      const r = await tx.query<{ reason: string }>(
        'SELECT reason FROM barrier WHERE gid = $1 AND branch_id = $2 AND op = $3',
        [call.gid, call.branchId, call.op],
      );
      existing = r.rows[0]?.reason ?? null;
    }
    outcome = forwardDecision(inserted, existing);
  } else {
    const originInserted = await insertRow(tx, call, origin, ROLLBACK_MARKER);
    const selfInserted = await insertRow(tx, call, call.op, call.op);
    outcome = compensationDecision(originInserted, selfInserted);
  }
  return { outcome, value: outcome === 'executed' ? await business() : null };
}

/** The branch id and op a two-phase message's local transaction records (DTM's check-back asks for branch 00, op msg). */
export const MSG_BRANCH = '00';

/**
 * A two-phase message's local transaction: records (gid, 00, msg) in `tx`, the
 * same transaction as the business change. false: the check-back came first
 * and rolled the message back (the local change must not commit).
 */
export async function recordMessageCommitted(tx: Queryable, gid: string): Promise<boolean> {
  return insertRow(tx, { transType: 'msg', gid, branchId: MSG_BRANCH, op: 'msg' }, 'msg', 'msg');
}

/**
 * DTM's check-back ("QueryPrepared") answered from the barrier: the local
 * transaction committed → committed; it did not → a rollback marker is
 * written in its place (so a late local transaction can no longer commit) →
 * rolled back. A marker already there → rolled back.
 */
export async function queryPrepared(tx: Queryable, gid: string): Promise<'committed' | 'rolled_back'> {
  const inserted = await insertRow(tx, { transType: 'msg', gid, branchId: MSG_BRANCH, op: 'msg' }, 'msg', ROLLBACK_MARKER);
  if (inserted) return 'rolled_back';
  const r = await tx.query<{ reason: string }>('SELECT reason FROM barrier WHERE gid = $1 AND branch_id = $2 AND op = $3', [gid, MSG_BRANCH, 'msg']);
  return r.rows[0]?.reason === ROLLBACK_MARKER ? 'rolled_back' : 'committed';
}
