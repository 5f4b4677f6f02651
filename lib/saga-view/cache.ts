/**
 * Built saga views (./view.ts) kept between reads, for large sagas only:
 * rebuilding a 50,000-step saga from its spans takes about a second (load +
 * model + view), and its page is opened and reloaded far more often than it
 * changes.
 *
 * An entry is valid while its stamp matches the saga's summary — the ingest
 * transaction rewrites updated_at and span_count whenever a span of the saga
 * arrives, except once the saga is at the size limit, where the reader stamps
 * with the stored span count instead (lib/db/read.ts) — and `nowMs` lies in
 * the window where the model's time-dependent status cannot differ: from the instant it was built until its next timed
 * transition (Saga.next). Bounded by the steps held, so memory stays small.
 */
import type { ModelConfig } from '../saga/types';
import type { SagaView } from './view';

/** Sagas with fewer steps are rebuilt on every read (a few ms). */
export const CACHE_MIN_STEPS = 2_000;
/** About 0.4 KB per step (the model's Step and its row in the columns): ~40 MB at most. */
const CACHE_MAX_STEPS = 100_000;

interface Entry {
  stamp: string;
  validFromMs: number;
  validUntilMs: number;
  steps: number;
  view: SagaView;
}

// One cache per process, in a globalThis slot: Next bundles the saga page and each API route
// separately, each with its own copy of this module, so GET /api/sagas/<id>/timeline rebuilt the
// model the page had just built (another 1–3 s and another copy in memory on a first visit).
const SLOT = Symbol.for('sagascope.saga-view-cache');
type Slot = { [SLOT]?: { entries: Map<string, Entry>; heldSteps: number } };
const state = ((globalThis as Slot)[SLOT] ??= { entries: new Map(), heldSteps: 0 });
const entries = state.entries;

export function viewStamp(updatedAt: Date, spanCount: number, cfg: ModelConfig): string {
  return `${updatedAt.getTime()}|${spanCount}|${cfg.stuckAfterMs}|${cfg.failedGraceMs}|${cfg.maxAttempts}`;
}

export function cachedView(id: string, stamp: string, nowMs: number): SagaView | null {
  const e = entries.get(id);
  if (!e) return null;
  if (e.stamp !== stamp || nowMs < e.validFromMs || nowMs >= e.validUntilMs) {
    forget(id);
    return null;
  }
  // Most recently used last: eviction takes the first.
  entries.delete(id);
  entries.set(id, e);
  return e.view;
}

export function rememberView(id: string, stamp: string, builtAtMs: number, nextTransitionMs: number | null, view: SagaView): void {
  const steps = view.steps.length;
  if (steps < CACHE_MIN_STEPS || steps > CACHE_MAX_STEPS) return;
  forget(id);
  while (state.heldSteps + steps > CACHE_MAX_STEPS && entries.size > 0) forget(entries.keys().next().value!);
  entries.set(id, { stamp, validFromMs: builtAtMs, validUntilMs: nextTransitionMs ?? Infinity, steps, view });
  state.heldSteps += steps;
}

function forget(id: string): void {
  const e = entries.get(id);
  if (!e) return;
  entries.delete(id);
  state.heldSteps -= e.steps;
}

/** Tests. */
export function clearViewCache(): void {
  entries.clear();
  state.heldSteps = 0;
}
