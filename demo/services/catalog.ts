/**
 * The demo's business world. Stock and accounts are created on first use with
 * generous starting values, so hours of traffic never run dry and a test can
 * use fresh SKUs and customers whose starting state it knows.
 */
export const INITIAL_STOCK = 1_000_000;
/** Cents. */
export const INITIAL_BALANCE = 100_000_000;

export const SKUS = Array.from({ length: 20 }, (_, i) => `sku-${String(i + 1).padStart(3, '0')}`);
export const CUSTOMERS = Array.from({ length: 50 }, (_, i) => `cust-${String(i + 1).padStart(3, '0')}`);
/** Unit price of a SKU in cents: a fixed function of its name, so every service agrees. */
export function priceOf(sku: string): number {
  let h = 0;
  for (const c of sku) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 500 + (h % 20) * 250;
}

export const SERVICES = ['order', 'inventory', 'payment', 'shipping'] as const;
export type ServiceName = (typeof SERVICES)[number];
