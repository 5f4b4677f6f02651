/** Figures of the analyze pages as text. Locale-independent so screens and tickets agree. */
import { formatDuration } from './format';

/** A fraction 0..1 as "12.5 %"; "—" when nothing finished (the rate is undefined, not zero). */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  const pct = r * 100;
  if (pct === 0 || pct === 100) return `${pct} %`;
  return `${pct < 10 ? pct.toFixed(2) : pct.toFixed(1)} %`;
}

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export type ValueFormat = 'count' | 'percent' | 'duration';

export function formatValue(v: number | null | undefined, format: ValueFormat): string {
  if (v === null || v === undefined) return '—';
  if (format === 'percent') return formatRate(v);
  if (format === 'duration') return formatDuration(v);
  return formatCount(v);
}

/** Axis labels: shorter than formatValue. */
export function formatAxisValue(v: number, format: ValueFormat): string {
  if (format === 'percent') return `${Math.round(v * 100)}%`;
  if (format === 'duration') return formatDuration(v);
  return Number.isInteger(v) ? formatCount(v) : v.toFixed(1);
}
