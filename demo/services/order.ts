/**
 * order: the customer's orders. Checkout creates one (cancelled by its
 * compensation); refund marks it refunded (reverted by its compensation).
 *
 * It is also where the `loyalty` two-phase message starts: fulfilling an
 * order earns points, recorded here in a local transaction together with the
 * message's barrier row; DTM then delivers the points to payment's loyalty
 * ledger. When the application never confirms (submit lost), DTM asks back
 * (`/order/loyalty/query-prepared`) and learns from the barrier whether the
 * local transaction committed.
 */
import { z } from 'zod';
import { BARRIER_DDL, queryPrepared, recordMessageCommitted } from '../db/barrier';
import { BusinessRefusal } from '../participant/errors';
import { endpoint } from '../participant/server';
import type { ServiceDefinition } from './definition';
import { recordBusinessKeys } from '../telemetry/business-keys';

const id = z.string().regex(/^[\w.:-]{1,128}$/);

export const orderService: ServiceDefinition = {
  name: 'order',
  schema: 'demo_order',
  ddl: [
    BARRIER_DDL,
    `CREATE TABLE IF NOT EXISTS orders (
       id text PRIMARY KEY, customer text NOT NULL, sku text NOT NULL, qty int NOT NULL, amount int NOT NULL,
       status text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    // What a refund changed, so that its compensation can put it back.
    `CREATE TABLE IF NOT EXISTS order_changes (
       gid text NOT NULL, branch_id text NOT NULL, order_id text NOT NULL, before text NOT NULL, after text NOT NULL,
       reverted boolean NOT NULL DEFAULT false, PRIMARY KEY (gid, branch_id))`,
    `CREATE TABLE IF NOT EXISTS loyalty_earnings (
       gid text PRIMARY KEY, customer text NOT NULL, points int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  ],
  endpoints: [
    endpoint({
      path: '/order/create',
      op: 'action',
      actionPath: '/order/create',
      compensatePath: '/order/cancel',
      body: z.object({ customer: id, sku: id, qty: z.number().int().min(1).max(100), amount: z.number().int().min(0) }),
      // The order's id is the checkout saga's gid: one order per checkout.
      run: async (tx, call, b) => {
        recordBusinessKeys({ 'saga.key.order_id': call.gid, 'account.id': b.customer });
        await tx.query(`INSERT INTO orders (id, customer, sku, qty, amount, status) VALUES ($1, $2, $3, $4, $5, 'placed')`, [
          call.gid, b.customer, b.sku, b.qty, b.amount,
        ]);
        return { orderId: call.gid };
      },
    }),
    endpoint({
      path: '/order/cancel',
      op: 'compensate',
      actionPath: '/order/create',
      compensatePath: '/order/cancel',
      body: z.object({}),
      run: async (tx, call) => {
        await tx.query(`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'placed'`, [call.gid]);
        return null;
      },
    }),
    endpoint({
      path: '/order/refund',
      op: 'action',
      actionPath: '/order/refund',
      compensatePath: '/order/refund-revert',
      body: z.object({ orderId: id }),
      run: async (tx, call, b) => {
        recordBusinessKeys({ 'saga.key.order_id': b.orderId });
        const r = await tx.query(`UPDATE orders SET status = 'refunded', updated_at = now() WHERE id = $1 AND status = 'placed' RETURNING id`, [b.orderId]);
        if (r.rows.length === 0) throw new BusinessRefusal(`order ${b.orderId} is not placed`);
        await tx.query(`INSERT INTO order_changes (gid, branch_id, order_id, before, after) VALUES ($1, $2, $3, 'placed', 'refunded')`, [
          call.gid, call.branchId, b.orderId,
        ]);
        return null;
      },
    }),
    endpoint({
      path: '/order/refund-revert',
      op: 'compensate',
      actionPath: '/order/refund',
      compensatePath: '/order/refund-revert',
      body: z.object({}),
      run: async (tx, call) => {
        const r = await tx.query<{ order_id: string; before: string; after: string }>(
          `UPDATE order_changes SET reverted = true WHERE gid = $1 AND branch_id = $2 AND NOT reverted RETURNING order_id, before, after`,
          [call.gid, call.branchId],
        );
        for (const c of r.rows) {
          await tx.query(`UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 AND status = $3`, [c.order_id, c.before, c.after]);
        }
        return null;
      },
    }),

    // ---- two-phase message `loyalty`: the application's local transaction and DTM's check-back ----
    endpoint({
      path: '/order/loyalty/earn',
      op: 'msg',
      actionPath: '/order/loyalty/earn',
      compensatePath: '/order/loyalty/query-prepared',
      body: z.object({ gid: id, customer: id, points: z.number().int().min(1).max(1_000_000) }),
      localGid: (b) => b.gid,
      run: async (tx, call, b) => {
        // Same transaction: the earning and the message's barrier row commit together, or neither does.
        if (!(await recordMessageCommitted(tx, call.gid))) throw new BusinessRefusal(`message ${call.gid} was already rolled back by DTM's check-back`);
        await tx.query(`INSERT INTO loyalty_earnings (gid, customer, points) VALUES ($1, $2, $3)`, [call.gid, b.customer, b.points]);
        return null;
      },
    }),
    endpoint({
      path: '/order/loyalty/query-prepared',
      op: 'msg',
      actionPath: '/order/loyalty/earn',
      compensatePath: '/order/loyalty/query-prepared',
      body: z.object({}),
      barrier: false,
      run: async (tx, call) => {
        if ((await queryPrepared(tx, call.gid)) === 'rolled_back') throw new BusinessRefusal(`message ${call.gid}: the local transaction did not commit`);
        return null;
      },
    }),
  ],
};
