import type { Anomaly, Step } from './types';
import type { StepGroup } from './steps';
import { formatDuration, quoted } from './format';

/**
 * retry_storm (DESIGN.md §3): retries of one (step, op) that hammer a service.
 * A schedule that backs off — intervals that never shrink (10% jitter allowed)
 * and end up at least 1.5 times the first, as DTM's doubling 10, 20, 40, 80 s —
 * is never a storm, however many attempts it takes. Otherwise it is a storm
 * when
 *   - more than `maxAttempts` attempts fall within BURST_WINDOW_MS, or
 *   - four or more attempts come at an interval that never grows by more than
 *     10% (no back-off at all; three intervals are needed to see a pattern).
 * Attempts a branch answered ONGOING are left out: the coordinator calls again
 * at the pace the branch asked for (DTM keeps the interval then,
 * dtmsvr/trans_status.go execBranch cronKeep), which is polling, not retrying.
 * Attempts whose spans were lost still count where their attempt numbers show
 * them (taken to lie within the window of the next one seen).
 */
export const BURST_WINDOW_MS = 10_000;

export function retryStorms(groups: readonly StepGroup[], maxAttempts: number): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.histories) {
      // Most (step, op)s ran once: nothing to judge.
      if (h.entries.length === 1 && h.entries[0].attempt <= maxAttempts) continue;
      const tries = h.entries.filter((e) => e.result !== 'ongoing');
      if (tries.length === 0) continue;
      tries.sort((a, b) => a.startMs - b.startMs || a.attempt - b.attempt);
      const gaps: number[] = [];
      for (let i = 1; i < tries.length; i++) gaps.push(tries[i].startMs - tries[i - 1].startMs);
      if (backsOff(gaps)) continue;
      const service = tries[tries.length - 1].service;
      let message: string | null = null;
      const burst = largestBurst(tries, h.entries);
      if (burst.attempts > maxAttempts) {
        message =
          `Step ${quoted(g.name)} (${service}) attempted its ${h.op} ${burst.attempts} times within ${formatDuration(burst.spanMs)} ` +
          `(more than ${maxAttempts} in ${formatDuration(BURST_WINDOW_MS)}).`;
      } else if (gaps.length >= 3 && neverGrows(gaps)) {
        message =
          `Step ${quoted(g.name)} (${service}) retried its ${h.op} ${gaps.length} times without backing off ` +
          `(intervals ${gaps.map(formatDuration).join(', ')}).`;
      }
      if (message === null) continue;
      out.push({ kind: 'retry_storm', severity: 'warning', step: g.name, message, spanIds: tries.map((e) => e.spanId) });
    }
  }
  return out;
}

/** Intervals that never shrink (10% jitter allowed) and grow overall by half at least: a back-off. */
function backsOff(gaps: readonly number[]): boolean {
  if (gaps.length < 2) return false;
  for (let i = 1; i < gaps.length; i++) if (gaps[i] < gaps[i - 1] * 0.9) return false;
  return gaps[gaps.length - 1] >= gaps[0] * 1.5 && gaps[gaps.length - 1] > 0;
}

function neverGrows(gaps: readonly number[]): boolean {
  for (let i = 1; i < gaps.length; i++) if (gaps[i] > gaps[i - 1] * 1.1) return false;
  return true;
}

/**
 * The most attempts within BURST_WINDOW_MS of one another (`tries` by start),
 * counting attempts whose numbers are missing from `all` (every entry, ONGOING
 * answers included) between two tries, and before the first one.
 */
function largestBurst(tries: readonly Step[], all: readonly Step[]): { attempts: number; spanMs: number } {
  const seen = [...new Set(all.map((e) => e.attempt))].sort((a, b) => a - b);
  const weight = tries.map((e, i) => 1 + unseenBetween(seen, i === 0 ? 0 : tries[i - 1].attempt, e.attempt));
  let best = { attempts: 0, spanMs: 0 };
  let from = 0;
  let count = 0;
  for (let to = 0; to < tries.length; to++) {
    count += weight[to];
    while (tries[to].startMs - tries[from].startMs > BURST_WINDOW_MS) count -= weight[from++];
    if (count > best.attempts) best = { attempts: count, spanMs: tries[to].startMs - tries[from].startMs };
  }
  return best;
}

/** Attempt numbers strictly between `low` and `high` that no entry has (`seen`: sorted, distinct). */
function unseenBetween(seen: readonly number[], low: number, high: number): number {
  if (high - low <= 1) return 0;
  return high - low - 1 - (lowerBound(seen, high) - lowerBound(seen, low + 1));
}

function lowerBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
