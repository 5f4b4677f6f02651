/**
 * Built saga details kept between reads, for large sagas only: rebuilding a
 * 50,000-step saga from its spans takes about a second (load + model + JSON),
 * and its page is opened and reloaded far more often than it changes.
 *
 * An entry is valid while its stamp matches the saga's summary — the ingest
 * transaction rewrites updated_at and span_count whenever a span of the saga
 * arrives, except once the saga is at the size limit, where the reader stamps
 * with the stored span count instead (lib/db/read.ts) — and `nowMs` lies in
 * the window where the model's time-dependent status cannot differ: from the instant it was built until its next timed
 * transition (Saga.next). Bounded by the steps held, so memory stays small.
 */
import type { SagaDetail } from '../api/types';
import type { ModelConfig } from '../saga/types';

/** Sagas with fewer steps are rebuilt on every read (a few ms). */
export const CACHE_MIN_STEPS = 2_000;
/** About 0.4 KB per step as JSON objects: ~40 MB at most. */
const CACHE_MAX_STEPS = 100_000;

export type CachedDetail = Omit<SagaDetail, 'audit' | 'keys'>;

interface Entry {
  stamp: string;
  validFromMs: number;
  validUntilMs: number;
  steps: number;
  detail: CachedDetail;
}

// One cache per process, in a globalThis slot: Next bundles the saga page and each API route
// separately, each with its own copy of this module, so GET /api/sagas/<id>/timeline rebuilt the
// model the page had just built (another 1–3 s and another copy in memory on a first visit).
const SLOT = Symbol.for('sagascope.saga-detail-cache');
type Slot = { [SLOT]?: { entries: Map<string, Entry>; heldSteps: number } };
const state = ((globalThis as Slot)[SLOT] ??= { entries: new Map(), heldSteps: 0 });
const entries = state.entries;

export function detailStamp(updatedAt: Date, spanCount: number, cfg: ModelConfig): string {
  return `${updatedAt.getTime()}|${spanCount}|${cfg.stuckAfterMs}|${cfg.failedGraceMs}|${cfg.maxAttempts}`;
}

export function cachedDetail(id: string, stamp: string, nowMs: number): CachedDetail | null {
  const e = entries.get(id);
  if (!e) return null;
  if (e.stamp !== stamp || nowMs < e.validFromMs || nowMs >= e.validUntilMs) {
    forget(id);
    return null;
  }
  // Most recently used last: eviction takes the first.
  entries.delete(id);
  entries.set(id, e);
  return e.detail;
}

export function rememberDetail(id: string, stamp: string, builtAtMs: number, nextTransitionMs: number | null, detail: CachedDetail): void {
  const steps = detail.steps.length;
  if (steps < CACHE_MIN_STEPS || steps > CACHE_MAX_STEPS) return;
  forget(id);
  while (state.heldSteps + steps > CACHE_MAX_STEPS && entries.size > 0) forget(entries.keys().next().value!);
  entries.set(id, { stamp, validFromMs: builtAtMs, validUntilMs: nextTransitionMs ?? Infinity, steps, detail });
  state.heldSteps += steps;
}

function forget(id: string): void {
  const e = entries.get(id);
  if (!e) return;
  entries.delete(id);
  state.heldSteps -= e.steps;
}

/** Tests. */
export function clearDetailCache(): void {
  entries.clear();
  state.heldSteps = 0;
}
