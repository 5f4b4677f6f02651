/**
 * How the topology shows health: one rule for nodes, edges and the legend, so
 * a colour means the same error-rate band everywhere.
 */
export type Health = 'ok' | 'warn' | 'bad' | 'idle';

/** Error-rate bands (fractions): green below WARN, amber below BAD, red from BAD. */
export const WARN_RATE = 0.01;
export const BAD_RATE = 0.05;

export function errorRate(calls: number, errors: number): number | null {
  return calls > 0 ? errors / calls : null;
}

export function healthOf(calls: number, errors: number): Health {
  const rate = errorRate(calls, errors);
  if (rate === null) return 'idle';
  if (rate >= BAD_RATE) return 'bad';
  if (rate >= WARN_RATE) return 'warn';
  return 'ok';
}

export const HEALTH_LABEL: Record<Health, string> = {
  ok: `error rate < ${WARN_RATE * 100} %`,
  warn: `error rate ${WARN_RATE * 100}–${BAD_RATE * 100} %`,
  bad: `error rate ≥ ${BAD_RATE * 100} %`,
  idle: 'no calls',
};

export const MIN_EDGE_WIDTH = 1.5;
export const MAX_EDGE_WIDTH = 8;

/**
 * Stroke width on a log scale of calls relative to the busiest edge: call counts
 * span orders of magnitude, and a linear width would make quiet edges vanish.
 */
export function edgeWidth(calls: number, maxCalls: number): number {
  if (calls <= 0 || maxCalls <= 1) return MIN_EDGE_WIDTH;
  const f = Math.log1p(Math.min(calls, maxCalls)) / Math.log1p(maxCalls);
  return Math.round((MIN_EDGE_WIDTH + f * (MAX_EDGE_WIDTH - MIN_EDGE_WIDTH)) * 10) / 10;
}

/** "0 %", "0.42 %", "3.1 %", "12 %"; "—" without calls. */
export function formatRate(rate: number | null): string {
  if (rate === null) return '—';
  const pct = rate * 100;
  if (pct === 0) return '0 %';
  if (pct < 1) return `${pct.toFixed(2)} %`;
  if (pct < 10) return `${pct.toFixed(1)} %`;
  return `${Math.round(pct)} %`;
}

/** "950", "12.3k", "4.1M". */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
