import type { SagaStatus, Step } from './types';
import type { StepModel } from './steps';

export interface Timings {
  /** The final failed attempt of the forward op that ended first. */
  firstFailure: Step | null;
  failedStep: string | null;
  timeToConsistencyMs: number | null;
  compensationCount: number;
}

/**
 * The first forward failure is the final (failed) attempt of a forward op that ended
 * earliest: earlier attempts that a retry later fixed do not count as failures.
 * Time to consistency runs from that failure to the end of the last successful
 * compensation. When nothing needed undoing (no successful compensation) the saga
 * was consistent the moment it failed: 0. It is clamped at 0 because parallel
 * branches can finish compensating before a slow failing branch reports.
 */
export function timings(model: StepModel, status: SagaStatus): Timings {
  let firstFailure: Step | null = null;
  let lastCompensationEnd = -Infinity;
  let compensationCount = 0;
  for (const g of model.groups) {
    for (const h of g.histories) {
      if (h.compensation) {
        compensationCount += h.entries.length;
        for (const e of h.entries) if (e.result === 'success' && e.endMs > lastCompensationEnd) lastCompensationEnd = e.endMs;
      } else if (h.final === 'failure') {
        const e = h.entries[h.entries.length - 1];
        if (firstFailure === null || endsBefore(e, firstFailure)) firstFailure = e;
      }
    }
  }
  let timeToConsistencyMs: number | null = null;
  if (status === 'compensated' && firstFailure !== null) {
    const failedAt = firstFailure.endMs > 0 ? firstFailure.endMs : firstFailure.startMs;
    timeToConsistencyMs = lastCompensationEnd === -Infinity ? 0 : Math.max(0, lastCompensationEnd - failedAt);
  }
  return { firstFailure, failedStep: firstFailure?.step ?? null, timeToConsistencyMs, compensationCount };
}

function endsBefore(a: Step, b: Step): boolean {
  if (a.endMs !== b.endMs) return a.endMs < b.endMs;
  if (a.startMs !== b.startMs) return a.startMs < b.startMs;
  return a.spanId < b.spanId || (a.spanId === b.spanId && a.traceId < b.traceId);
}
