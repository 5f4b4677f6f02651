/**
 * inventory: stock per SKU. Checkout reserves (released by its compensation);
 * refund puts the returned items back (taken out again by its compensation).
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
  ],
};
