/**
 * A timeline's zoom and gap collapse in the URL, so a link reproduces the view:
 * `from` / `to` are whole microseconds after the timeline's start (its first
 * bar, where the axis reads 0; µs as the rows themselves, ADR 0006), `idle=show`
 * draws idle gaps to scale (collapsing is the default). Anything unreadable is ignored (the whole timeline, gaps
 * collapsed), never an error: a link pasted from a chat tool keeps working.
 */
import type { AxisView } from './time-axis';

export const AXIS_PARAMS = ['from', 'to', 'idle'] as const;

/** Longest offset a link may carry: 400 days in µs (a number well inside 2^53). */
const MAX_US = 400 * 86_400 * 1e6;
const US = /^\d{1,16}$/;

function micros(v: string | null): number | null {
  if (v === null || !US.test(v)) return null;
  const n = Number(v);
  return n <= MAX_US ? n : null;
}

export interface AxisParams {
  /** µs after the timeline's start; null: that edge of the timeline. */
  fromUs: number | null;
  toUs: number | null;
  collapse: boolean;
}

export function parseAxisParams(params: { get(name: string): string | null }): AxisParams {
  let fromUs = micros(params.get('from'));
  let toUs = micros(params.get('to'));
  // An empty or reversed window is no window.
  if (fromUs !== null && toUs !== null && toUs <= fromUs) fromUs = toUs = null;
  return { fromUs, toUs, collapse: params.get('idle') !== 'show' };
}

/** The view of a timeline starting at t0 (epoch ms) with its end at t1. */
export function axisViewOf(p: AxisParams, t0: number, t1: number): AxisView {
  const window: [number, number] | null =
    p.fromUs === null && p.toUs === null ? null : [t0 + (p.fromUs ?? 0) / 1000, p.toUs === null ? t1 : t0 + p.toUs / 1000];
  return { window, collapse: p.collapse };
}

/** Writes a view into `params` (other parameters untouched); the defaults are left out. */
export function writeAxisParams(params: URLSearchParams, view: AxisView, t0: number): void {
  if (view.window) {
    // Outwards to whole µs, so the window drawn again holds at least what was chosen.
    params.set('from', String(Math.max(0, Math.floor((view.window[0] - t0) * 1000 + 1e-6))));
    params.set('to', String(Math.max(1, Math.ceil((view.window[1] - t0) * 1000 - 1e-6))));
  } else {
    params.delete('from');
    params.delete('to');
  }
  if (view.collapse) params.delete('idle');
  else params.set('idle', 'show');
}
