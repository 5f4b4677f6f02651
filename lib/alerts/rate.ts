/**
 * Failure-rate rules: when an episode starts and ends. An episode starts when,
 * over the rule's window, at least minSagas sagas finished and failed / finished
 * is strictly above the threshold; it ends as soon as that no longer holds
 * (rate at or below the threshold, or too few finished sagas left in the window).
 * One "firing" and one "resolved" delivery per episode.
 */
export interface RateCounts {
  committed: number;
  compensated: number;
  failed: number;
}

export interface RateRule {
  threshold: number;
  minSagas: number;
  firing: boolean;
}

export function finishedOf(c: RateCounts): number {
  return c.committed + c.compensated + c.failed;
}

/** failed / finished, as in the stats (lib/stats/types.ts failureRate); null with nothing finished. */
export function failureRateOf(c: RateCounts): number | null {
  const finished = finishedOf(c);
  return finished === 0 ? null : c.failed / finished;
}

export function rateConditionHolds(c: RateCounts, rule: Pick<RateRule, 'threshold' | 'minSagas'>): boolean {
  const rate = failureRateOf(c);
  return rate !== null && finishedOf(c) >= rule.minSagas && rate > rule.threshold;
}

export type RateDecision = 'fire' | 'resolve' | 'none';

export function decideRate(c: RateCounts, rule: RateRule): RateDecision {
  const holds = rateConditionHolds(c, rule);
  if (holds && !rule.firing) return 'fire';
  if (!holds && rule.firing) return 'resolve';
  return 'none';
}
