/**
 * inventory: stock per SKU. Checkout reserves (released by its compensation);
 * refund puts the returned items back (taken out again by its compensation).
 *
 * It also keeps stock per warehouse, moved between warehouses by the XA flow
 * `stock-move`: each side is an XA branch at one URL, /inventory/xa/stock,
 * whose `action` is the local prepare (the application calls it), then DTM's
 * `commit` or `rollback`. The demo's databases (PGlite) have no XA, so a
 * prepared branch is kept as a pending row: taken stock held, added stock not
 * yet visible; commit makes it final, rollback undoes it.
 */
import { z } from 'zod';
import { BARRIER_DDL } from '../db/barrier';
import type { Queryable } from '../db/sql';
import { BusinessRefusal } from '../participant/errors';
import { endpoint } from '../participant/server';
import { INITIAL_STOCK } from './catalog';
import type { ServiceDefinition } from './definition';

const sku = z.string().regex(/^[\w.:-]{1,128}$/);
const qty = z.number().int().min(1).max(100);

async function ensureSku(tx: Queryable, name: string): Promise<void> {
  await tx.query(`INSERT INTO stock (sku, available, reserved) VALUES ($1, $2, 0) ON CONFLICT (sku) DO NOTHING`, [name, INITIAL_STOCK]);
}

const warehouse = z.string().regex(/^[\w.:-]{1,64}$/);
const moveBody = z.object({ warehouse, sku, delta: z.number().int().min(-100).max(100).refine((d) => d !== 0, 'delta must not be 0') });

async function ensureWarehouseSku(tx: Queryable, wh: string, name: string): Promise<void> {
  await tx.query(`INSERT INTO warehouse_stock (warehouse, sku, available, held) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, [wh, name, INITIAL_STOCK]);
}

/** The pending move of this branch, now `next`; null when it is not pending (already settled, or never prepared). */
async function settleMove(tx: Queryable, gid: string, branchId: string, next: 'committed' | 'rolled_back') {
  const r = await tx.query<{ warehouse: string; sku: string; delta: number }>(
    `UPDATE stock_moves SET status = $3 WHERE gid = $1 AND branch_id = $2 AND status = 'prepared' RETURNING warehouse, sku, delta`,
    [gid, branchId, next],
  );
  return r.rows[0] ?? null;
}

const xaPaths = { actionPath: '/inventory/xa/stock', compensatePath: '/inventory/xa/stock' };

export const stockMoveEndpoints = [
  endpoint({
    path: '/inventory/xa/stock',
    op: 'action',
    ...xaPaths,
    body: moveBody,
    // The local prepare: stock taken out is held (not yet gone), stock put in is not yet available.
    run: async (tx, call, b) => {
      await ensureWarehouseSku(tx, b.warehouse, b.sku);
      if (b.delta < 0) {
        const r = await tx.query(`UPDATE warehouse_stock SET available = available + $3::int, held = held - $3::int WHERE warehouse = $1 AND sku = $2 AND available >= -($3::int)`, [b.warehouse, b.sku, b.delta]);
        if (r.rowCount === 0) throw new BusinessRefusal(`not enough ${b.sku} in ${b.warehouse}`);
      }
      await tx.query(`INSERT INTO stock_moves (gid, branch_id, warehouse, sku, delta, status) VALUES ($1, $2, $3, $4, $5, 'prepared')`, [
        call.gid, call.branchId, b.warehouse, b.sku, b.delta,
      ]);
      return null;
    },
  }),
  endpoint({
    path: '/inventory/xa/stock',
    op: 'commit',
    ...xaPaths,
    body: z.object({}),
    run: async (tx, call) => {
      const m = await settleMove(tx, call.gid, call.branchId, 'committed');
      if (m && m.delta < 0) await tx.query(`UPDATE warehouse_stock SET held = held + $3::int WHERE warehouse = $1 AND sku = $2`, [m.warehouse, m.sku, m.delta]);
      if (m && m.delta > 0) await tx.query(`UPDATE warehouse_stock SET available = available + $3::int WHERE warehouse = $1 AND sku = $2`, [m.warehouse, m.sku, m.delta]);
      return null;
    },
  }),
  endpoint({
    path: '/inventory/xa/stock',
    op: 'rollback',
    ...xaPaths,
    body: z.object({}),
    run: async (tx, call) => {
      const m = await settleMove(tx, call.gid, call.branchId, 'rolled_back');
      if (m && m.delta < 0) {
        await tx.query(`UPDATE warehouse_stock SET available = available - $3::int, held = held + $3::int WHERE warehouse = $1 AND sku = $2`, [m.warehouse, m.sku, m.delta]);
      }
      return null;
    },
  }),
];

export const inventoryService: ServiceDefinition = {
  name: 'inventory',
  schema: 'demo_inventory',
  ddl: [
    BARRIER_DDL,
    `CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, available int NOT NULL, reserved int NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS reservations (
       gid text NOT NULL, branch_id text NOT NULL, sku text NOT NULL, qty int NOT NULL, status text NOT NULL,
       PRIMARY KEY (gid, branch_id))`,
    `CREATE TABLE IF NOT EXISTS restocks (
       gid text NOT NULL, branch_id text NOT NULL, sku text NOT NULL, qty int NOT NULL, status text NOT NULL,
       PRIMARY KEY (gid, branch_id))`,
    `CREATE TABLE IF NOT EXISTS warehouse_stock (
       warehouse text NOT NULL, sku text NOT NULL, available int NOT NULL, held int NOT NULL, PRIMARY KEY (warehouse, sku))`,
    `CREATE TABLE IF NOT EXISTS stock_moves (
       gid text NOT NULL, branch_id text NOT NULL, warehouse text NOT NULL, sku text NOT NULL, delta int NOT NULL,
       status text NOT NULL, PRIMARY KEY (gid, branch_id))`,
  ],
  endpoints: [
    endpoint({
      path: '/inventory/reserve',
      op: 'action',
      actionPath: '/inventory/reserve',
      compensatePath: '/inventory/release',
      body: z.object({ sku, qty }),
      run: async (tx, call, b) => {
        await ensureSku(tx, b.sku);
        const r = await tx.query(
          `UPDATE stock SET available = available - $2, reserved = reserved + $2 WHERE sku = $1 AND available >= $2`,
          [b.sku, b.qty],
        );
        if (r.rowCount === 0) throw new BusinessRefusal(`out of stock: ${b.sku}`);
        await tx.query(`INSERT INTO reservations (gid, branch_id, sku, qty, status) VALUES ($1, $2, $3, $4, 'reserved')`, [
          call.gid, call.branchId, b.sku, b.qty,
        ]);
        return null;
      },
    }),
    endpoint({
      path: '/inventory/release',
      op: 'compensate',
      actionPath: '/inventory/reserve',
      compensatePath: '/inventory/release',
      body: z.object({}),
      run: async (tx, call) => {
        const r = await tx.query<{ sku: string; qty: number }>(
          `UPDATE reservations SET status = 'released' WHERE gid = $1 AND branch_id = $2 AND status = 'reserved' RETURNING sku, qty`,
          [call.gid, call.branchId],
        );
        for (const row of r.rows) {
          await tx.query(`UPDATE stock SET available = available + $2, reserved = reserved - $2 WHERE sku = $1`, [row.sku, row.qty]);
        }
        return null;
      },
    }),
    endpoint({
      path: '/inventory/restock',
      op: 'action',
      actionPath: '/inventory/restock',
      compensatePath: '/inventory/restock-revert',
      body: z.object({ sku, qty }),
      run: async (tx, call, b) => {
        await ensureSku(tx, b.sku);
        await tx.query(`UPDATE stock SET available = available + $2, reserved = reserved - $2 WHERE sku = $1`, [b.sku, b.qty]);
        await tx.query(`INSERT INTO restocks (gid, branch_id, sku, qty, status) VALUES ($1, $2, $3, $4, 'restocked')`, [
          call.gid, call.branchId, b.sku, b.qty,
        ]);
        return null;
      },
    }),
    endpoint({
      path: '/inventory/restock-revert',
      op: 'compensate',
      actionPath: '/inventory/restock',
      compensatePath: '/inventory/restock-revert',
      body: z.object({}),
      run: async (tx, call) => {
        const r = await tx.query<{ sku: string; qty: number }>(
          `UPDATE restocks SET status = 'reverted' WHERE gid = $1 AND branch_id = $2 AND status = 'restocked' RETURNING sku, qty`,
          [call.gid, call.branchId],
        );
        for (const row of r.rows) {
          await tx.query(`UPDATE stock SET available = available - $2, reserved = reserved + $2 WHERE sku = $1`, [row.sku, row.qty]);
        }
        return null;
      },
    }),
    ...stockMoveEndpoints,
  ],
};
