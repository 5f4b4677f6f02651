/** shipping: shipments booked by checkout, cancelled by its compensation. */
import { z } from 'zod';
import { BARRIER_DDL } from '../db/barrier';
import { endpoint } from '../participant/server';
import type { ServiceDefinition } from './definition';
import { recordBusinessKeys } from '../telemetry/business-keys';

export const shippingService: ServiceDefinition = {
  name: 'shipping',
  schema: 'demo_shipping',
  ddl: [
    BARRIER_DDL,
    `CREATE TABLE IF NOT EXISTS shipments (
       gid text NOT NULL, branch_id text NOT NULL, order_id text NOT NULL, address text NOT NULL, status text NOT NULL,
       PRIMARY KEY (gid, branch_id))`,
  ],
  endpoints: [
    endpoint({
      path: '/shipping/book',
      op: 'action',
      actionPath: '/shipping/book',
      compensatePath: '/shipping/cancel',
      body: z.object({ orderId: z.string().min(1).max(128), address: z.string().min(1).max(200) }),
      run: async (tx, call, b) => {
        // One shipment per order and branch: its id is what a carrier's support would quote.
        recordBusinessKeys({ 'order.id': b.orderId, 'shipment.id': `SHP-${b.orderId}-${call.branchId}` });
        await tx.query(`INSERT INTO shipments (gid, branch_id, order_id, address, status) VALUES ($1, $2, $3, $4, 'booked')`, [
          call.gid, call.branchId, b.orderId, b.address,
        ]);
        return null;
      },
    }),
    endpoint({
      path: '/shipping/cancel',
      op: 'compensate',
      actionPath: '/shipping/book',
      compensatePath: '/shipping/cancel',
      body: z.object({}),
      run: async (tx, call) => {
        await tx.query(`UPDATE shipments SET status = 'cancelled' WHERE gid = $1 AND branch_id = $2 AND status = 'booked'`, [
          call.gid, call.branchId,
        ]);
        return null;
      },
    }),
  ],
};
