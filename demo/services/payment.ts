/**
 * payment: customer accounts. Checkout charges (voided by its compensation);
 * refund pays a charge back (re-charged by its compensation).
 *
 * It is also the ledger of the TCC `transfer`: both accounts live here, and each
 * side of the transfer is its own branch (debit-source, credit-target) with its
 * own try / confirm / cancel. Try only reserves (freezes the debit, announces the
 * credit as incoming); confirm moves the money; cancel releases the reservation.
 * Two branches rather than one keep each account's reservation independently
 * confirmable and cancellable, which is what TCC is about, and one ledger keeps
 * a wallet transfer where a payment company would keep it.
 */
import { z } from 'zod';
import { BARRIER_DDL } from '../db/barrier';
import type { Queryable } from '../db/sql';
import { BusinessRefusal } from '../participant/errors';
import { endpoint } from '../participant/server';
import { INITIAL_BALANCE } from './catalog';
import type { ServiceDefinition } from './definition';
import { recordBusinessKeys } from '../telemetry/business-keys';

const account = z.string().regex(/^[\w.:-]{1,128}$/);
const amount = z.number().int().min(1).max(10_000_000);

async function ensureAccount(tx: Queryable, id: string): Promise<void> {
  await tx.query(`INSERT INTO accounts (id, balance, frozen, incoming) VALUES ($1, $2, 0, 0) ON CONFLICT (id) DO NOTHING`, [id, INITIAL_BALANCE]);
}

async function credit(tx: Queryable, id: string, cents: number): Promise<void> {
  await tx.query(`UPDATE accounts SET balance = balance + $2 WHERE id = $1`, [id, cents]);
}

/** The transfer leg of this branch still in `status`, marked `next`; null when there is none. */
async function settleLeg(tx: Queryable, gid: string, branchId: string, next: string): Promise<{ account: string; amount: number } | null> {
  const r = await tx.query<{ account: string; amount: number }>(
    `UPDATE transfer_legs SET status = $3 WHERE gid = $1 AND branch_id = $2 AND status = 'tried' RETURNING account, amount`,
    [gid, branchId, next],
  );
  return r.rows[0] ?? null;
}

const tccPaths = (side: 'debit' | 'credit') => ({
  actionPath: `/payment/tcc/${side}/try`,
  compensatePath: `/payment/tcc/${side}/cancel`,
});

export const paymentService: ServiceDefinition = {
  name: 'payment',
  schema: 'demo_payment',
  ddl: [
    BARRIER_DDL,
    // frozen: held by pending transfer debits; incoming: announced by pending transfer credits.
    `CREATE TABLE IF NOT EXISTS accounts (id text PRIMARY KEY, balance int NOT NULL, frozen int NOT NULL, incoming int NOT NULL)`,
    // No unique key on (gid, branch_id): the duplicate_execution bug must be able to charge twice.
    `CREATE TABLE IF NOT EXISTS charges (
       id bigserial PRIMARY KEY, gid text NOT NULL, branch_id text NOT NULL, customer text NOT NULL, amount int NOT NULL,
       status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX IF NOT EXISTS charges_gid ON charges (gid)`,
    `CREATE TABLE IF NOT EXISTS refunds (
       gid text NOT NULL, branch_id text NOT NULL, order_id text NOT NULL, amount int NOT NULL, status text NOT NULL,
       PRIMARY KEY (gid, branch_id))`,
    `CREATE TABLE IF NOT EXISTS transfer_legs (
       gid text NOT NULL, branch_id text NOT NULL, account text NOT NULL, amount int NOT NULL, direction text NOT NULL,
       status text NOT NULL, PRIMARY KEY (gid, branch_id))`,
    // The loyalty ledger, fed by the `loyalty` two-phase message (forward only: points are never taken back).
    `CREATE TABLE IF NOT EXISTS loyalty_points (customer text PRIMARY KEY, points int NOT NULL)`,
  ],
  endpoints: [
    endpoint({
      path: '/payment/charge',
      op: 'action',
      actionPath: '/payment/charge',
      compensatePath: '/payment/void',
      body: z.object({ customer: account, amount }),
      run: async (tx, call, b) => {
        await ensureAccount(tx, b.customer);
        const r = await tx.query(`UPDATE accounts SET balance = balance - $2 WHERE id = $1 AND balance - frozen >= $2`, [b.customer, b.amount]);
        if (r.rowCount === 0) throw new BusinessRefusal(`insufficient funds: ${b.customer}`);
        const charge = await tx.query<{ id: string }>(
          `INSERT INTO charges (gid, branch_id, customer, amount, status) VALUES ($1, $2, $3, $4, 'charged') RETURNING id`,
          [call.gid, call.branchId, b.customer, b.amount],
        );
        recordBusinessKeys({ 'payment.id': `PAY-${charge.rows[0]!.id}`, 'account.id': b.customer, 'order.id': call.gid });
        return null;
      },
    }),
    endpoint({
      path: '/payment/void',
      op: 'compensate',
      actionPath: '/payment/charge',
      compensatePath: '/payment/void',
      body: z.object({}),
      run: async (tx, call) => {
        const r = await tx.query<{ customer: string; amount: number }>(
          `UPDATE charges SET status = 'voided' WHERE gid = $1 AND branch_id = $2 AND status = 'charged' RETURNING customer, amount`,
          [call.gid, call.branchId],
        );
        for (const c of r.rows) await credit(tx, c.customer, c.amount);
        return null;
      },
    }),
    endpoint({
      path: '/payment/refund',
      op: 'action',
      actionPath: '/payment/refund',
      compensatePath: '/payment/refund-revert',
      body: z.object({ orderId: account }),
      // The order's charges are those of its checkout saga, whose gid is the order id.
      run: async (tx, call, b) => {
        recordBusinessKeys({ 'order.id': b.orderId });
        const r = await tx.query<{ customer: string; amount: number }>(
          `UPDATE charges SET status = 'refunded' WHERE gid = $1 AND status = 'charged' RETURNING customer, amount`,
          [b.orderId],
        );
        if (r.rows.length === 0) throw new BusinessRefusal(`nothing to refund for order ${b.orderId}`);
        let total = 0;
        for (const c of r.rows) {
          await credit(tx, c.customer, c.amount);
          total += c.amount;
        }
        await tx.query(`INSERT INTO refunds (gid, branch_id, order_id, amount, status) VALUES ($1, $2, $3, $4, 'refunded')`, [
          call.gid, call.branchId, b.orderId, total,
        ]);
        return null;
      },
    }),
    endpoint({
      path: '/payment/refund-revert',
      op: 'compensate',
      actionPath: '/payment/refund',
      compensatePath: '/payment/refund-revert',
      body: z.object({}),
      run: async (tx, call) => {
        const r = await tx.query<{ order_id: string }>(
          `UPDATE refunds SET status = 'reverted' WHERE gid = $1 AND branch_id = $2 AND status = 'refunded' RETURNING order_id`,
          [call.gid, call.branchId],
        );
        for (const { order_id } of r.rows) {
          const charges = await tx.query<{ customer: string; amount: number }>(
            `UPDATE charges SET status = 'charged' WHERE gid = $1 AND status = 'refunded' RETURNING customer, amount`,
            [order_id],
          );
          for (const c of charges.rows) await credit(tx, c.customer, -c.amount);
        }
        return null;
      },
    }),

    // ---- two-phase message `loyalty`: its one branch ----
    endpoint({
      path: '/payment/loyalty/credit',
      op: 'action',
      actionPath: '/payment/loyalty/credit',
      compensatePath: '/payment/loyalty/credit',
      body: z.object({ customer: account, points: z.number().int().min(1).max(1_000_000) }),
      run: async (tx, _call, b) => {
        await tx.query(
          `INSERT INTO loyalty_points (customer, points) VALUES ($1, $2) ON CONFLICT (customer) DO UPDATE SET points = loyalty_points.points + $2`,
          [b.customer, b.points],
        );
        return null;
      },
    }),

    // ---- TCC transfer: debit side ----
    endpoint({
      path: '/payment/tcc/debit/try',
      op: 'try',
      ...tccPaths('debit'),
      body: z.object({ account, amount }),
      run: async (tx, call, b) => {
        recordBusinessKeys({ 'account.id': b.account });
        await ensureAccount(tx, b.account);
        const r = await tx.query(`UPDATE accounts SET frozen = frozen + $2 WHERE id = $1 AND balance - frozen >= $2`, [b.account, b.amount]);
        if (r.rowCount === 0) throw new BusinessRefusal(`insufficient funds: ${b.account}`);
        await tx.query(
          `INSERT INTO transfer_legs (gid, branch_id, account, amount, direction, status) VALUES ($1, $2, $3, $4, 'debit', 'tried')`,
          [call.gid, call.branchId, b.account, b.amount],
        );
        return null;
      },
    }),
    endpoint({
      path: '/payment/tcc/debit/confirm',
      op: 'confirm',
      ...tccPaths('debit'),
      body: z.object({}),
      run: async (tx, call) => {
        const leg = await settleLeg(tx, call.gid, call.branchId, 'confirmed');
        if (leg) await tx.query(`UPDATE accounts SET balance = balance - $2, frozen = frozen - $2 WHERE id = $1`, [leg.account, leg.amount]);
        return null;
      },
    }),
    endpoint({
      path: '/payment/tcc/debit/cancel',
      op: 'cancel',
      ...tccPaths('debit'),
      body: z.object({}),
      run: async (tx, call) => {
        const leg = await settleLeg(tx, call.gid, call.branchId, 'cancelled');
        if (leg) await tx.query(`UPDATE accounts SET frozen = frozen - $2 WHERE id = $1`, [leg.account, leg.amount]);
        return null;
      },
    }),

    // ---- TCC transfer: credit side ----
    endpoint({
      path: '/payment/tcc/credit/try',
      op: 'try',
      ...tccPaths('credit'),
      body: z.object({ account, amount }),
      run: async (tx, call, b) => {
        recordBusinessKeys({ 'account.id': b.account });
        await ensureAccount(tx, b.account);
        await tx.query(`UPDATE accounts SET incoming = incoming + $2 WHERE id = $1`, [b.account, b.amount]);
        await tx.query(
          `INSERT INTO transfer_legs (gid, branch_id, account, amount, direction, status) VALUES ($1, $2, $3, $4, 'credit', 'tried')`,
          [call.gid, call.branchId, b.account, b.amount],
        );
        return null;
      },
    }),
    endpoint({
      path: '/payment/tcc/credit/confirm',
      op: 'confirm',
      ...tccPaths('credit'),
      body: z.object({}),
      run: async (tx, call) => {
        const leg = await settleLeg(tx, call.gid, call.branchId, 'confirmed');
        if (leg) await tx.query(`UPDATE accounts SET balance = balance + $2, incoming = incoming - $2 WHERE id = $1`, [leg.account, leg.amount]);
        return null;
      },
    }),
    endpoint({
      path: '/payment/tcc/credit/cancel',
      op: 'cancel',
      ...tccPaths('credit'),
      body: z.object({}),
      run: async (tx, call) => {
        const leg = await settleLeg(tx, call.gid, call.branchId, 'cancelled');
        if (leg) await tx.query(`UPDATE accounts SET incoming = incoming - $2 WHERE id = $1`, [leg.account, leg.amount]);
        return null;
      },
    }),
  ],
};
