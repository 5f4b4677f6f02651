/**
 * The three business flows: which participant endpoints each step calls, with
 * what body. Step indexes and DTM branch ids follow the definition order.
 */
import { z } from 'zod';
import type { StepName } from '../config';
import type { ServiceName } from '../services/catalog';
import { CUSTOMERS, SKUS, priceOf } from '../services/catalog';
import type { Flow } from '../scenarios';

export interface StepDef {
  name: StepName;
  /** 1-based position in the saga definition (saga.step.index). */
  index: number;
  /** DTM's branch id: 01, 02, … */
  branchId: string;
  service: ServiceName;
  /** Forward endpoint (saga action, or TCC try) and its undo (compensate, or TCC cancel). */
  forwardPath: string;
  undoPath: string;
  /** TCC only: the second phase. */
  confirmPath?: string;
  body: unknown;
}

const id = z.string().regex(/^[\w.:-]{1,128}$/);

export const checkoutParams = z.object({
  customer: id,
  sku: id,
  qty: z.number().int().min(1).max(100),
  amount: z.number().int().min(1).max(10_000_000),
  address: z.string().min(1).max(200).default('1 Demo Street'),
});
export const refundParams = z.object({ orderId: id, sku: id, qty: z.number().int().min(1).max(100) });
export const transferParams = z
  .object({ from: id, to: id, amount: z.number().int().min(1).max(10_000_000) })
  .refine((p) => p.from !== p.to, { message: 'from and to must differ' });

export type CheckoutParams = z.infer<typeof checkoutParams>;
export type RefundParams = z.infer<typeof refundParams>;
export type TransferParams = z.infer<typeof transferParams>;
export const loyaltyParams = z.object({ customer: id, points: z.number().int().min(1).max(1_000_000) });
export const stockMoveParams = z
  .object({ sku: id, qty: z.number().int().min(1).max(100), from: id, to: id })
  .refine((p) => p.from !== p.to, { message: 'from and to must differ' });

export type LoyaltyParams = z.infer<typeof loyaltyParams>;
export type StockMoveParams = z.infer<typeof stockMoveParams>;
export type FlowParams = CheckoutParams | RefundParams | TransferParams | LoyaltyParams | StockMoveParams;

const branch = (i: number) => String(i).padStart(2, '0');

export function checkoutSteps(gid: string, p: CheckoutParams): StepDef[] {
  return [
    { name: 'create-order', service: 'order', forwardPath: '/order/create', undoPath: '/order/cancel',
      body: { customer: p.customer, sku: p.sku, qty: p.qty, amount: p.amount } },
    { name: 'reserve-inventory', service: 'inventory', forwardPath: '/inventory/reserve', undoPath: '/inventory/release',
      body: { sku: p.sku, qty: p.qty } },
    { name: 'charge-payment', service: 'payment', forwardPath: '/payment/charge', undoPath: '/payment/void',
      body: { customer: p.customer, amount: p.amount } },
    { name: 'book-shipping', service: 'shipping', forwardPath: '/shipping/book', undoPath: '/shipping/cancel',
      body: { orderId: gid, address: p.address } },
  ].map((s, i) => ({ ...s, index: i + 1, branchId: branch(i + 1) }) as StepDef);
}

/** Refund of a checkout: pay back, put the items back on the shelf, mark the order refunded. */
export function refundSteps(p: RefundParams): StepDef[] {
  return [
    { name: 'refund-payment', service: 'payment', forwardPath: '/payment/refund', undoPath: '/payment/refund-revert',
      body: { orderId: p.orderId } },
    { name: 'restock-inventory', service: 'inventory', forwardPath: '/inventory/restock', undoPath: '/inventory/restock-revert',
      body: { sku: p.sku, qty: p.qty } },
    { name: 'refund-order', service: 'order', forwardPath: '/order/refund', undoPath: '/order/refund-revert',
      body: { orderId: p.orderId } },
  ].map((s, i) => ({ ...s, index: i + 1, branchId: branch(i + 1) }) as StepDef);
}

/** TCC: both sides of the transfer are branches of the payment ledger (see services/payment.ts). */
export function transferBranches(p: TransferParams): StepDef[] {
  const side = (name: StepName, s: 'debit' | 'credit', account: string, i: number): StepDef => ({
    name,
    index: i,
    branchId: branch(i),
    service: 'payment',
    forwardPath: `/payment/tcc/${s}/try`,
    confirmPath: `/payment/tcc/${s}/confirm`,
    undoPath: `/payment/tcc/${s}/cancel`,
    body: { account, amount: p.amount },
  });
  return [side('debit-source', 'debit', p.from, 1), side('credit-target', 'credit', p.to, 2)];
}

/**
 * Two-phase message: after an order, the points it earned are credited to the
 * customer's loyalty account. The local transaction (order service) and DTM's
 * check-back are not branches; the credit is branch 01.
 */
export function loyaltyBranches(p: LoyaltyParams): StepDef[] {
  return [{
    name: 'credit-points', index: 1, branchId: branch(1), service: 'payment',
    forwardPath: '/payment/loyalty/credit', undoPath: '/payment/loyalty/credit', body: { customer: p.customer, points: p.points },
  }];
}
export const LOYALTY_LOCAL_PATH = '/order/loyalty/earn';
export const LOYALTY_QUERY_PREPARED_PATH = '/order/loyalty/query-prepared';

/** XA: stock leaves one warehouse and enters another, both sides one XA branch URL of inventory. */
export function stockMoveBranches(p: StockMoveParams): StepDef[] {
  const side = (name: StepName, i: number, warehouse: string, delta: number): StepDef => ({
    name, index: i, branchId: branch(i), service: 'inventory',
    forwardPath: '/inventory/xa/stock', undoPath: '/inventory/xa/stock', confirmPath: '/inventory/xa/stock',
    body: { warehouse, sku: p.sku, delta },
  });
  return [side('take-stock', 1, p.from, -p.qty), side('put-stock', 2, p.to, p.qty)];
}

export function stepNamesOf(flow: Flow): StepName[] {
  switch (flow) {
    case 'checkout': return ['create-order', 'reserve-inventory', 'charge-payment', 'book-shipping'];
    case 'refund': return ['refund-payment', 'restock-inventory', 'refund-order'];
    case 'transfer': return ['debit-source', 'credit-target'];
    case 'loyalty': return ['credit-points'];
    case 'stock-move': return ['take-stock', 'put-stock'];
  }
}

export const WAREHOUSES = ['wh-north', 'wh-south', 'wh-east'] as const;

export function randomLoyalty(rand: () => number): LoyaltyParams {
  return { customer: pick(rand, CUSTOMERS), points: 10 * (1 + Math.floor(rand() * 20)) };
}

export function randomStockMove(rand: () => number): StockMoveParams {
  const from = pick(rand, WAREHOUSES);
  let to = pick(rand, WAREHOUSES);
  if (to === from) to = WAREHOUSES[(WAREHOUSES.indexOf(from) + 1) % WAREHOUSES.length];
  return { sku: pick(rand, SKUS), qty: 1 + Math.floor(rand() * 5), from, to };
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length) % items.length];
}

export function randomCheckout(rand: () => number): CheckoutParams {
  const sku = pick(rand, SKUS);
  const qty = 1 + Math.floor(rand() * 3);
  return { customer: pick(rand, CUSTOMERS), sku, qty, amount: qty * priceOf(sku), address: `${1 + Math.floor(rand() * 99)} Demo Street` };
}

export function randomTransfer(rand: () => number): TransferParams {
  const from = pick(rand, CUSTOMERS);
  let to = pick(rand, CUSTOMERS);
  if (to === from) to = CUSTOMERS[(CUSTOMERS.indexOf(from) + 1) % CUSTOMERS.length];
  return { from, to, amount: 100 * (1 + Math.floor(rand() * 50)) };
}
