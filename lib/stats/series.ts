/**
 * What a rollup row counts (the `series` column of rollup_counts / rollup_latency)
 * and what its keys k1..k3 mean. Stored as small integers: never renumber.
 */
export const SERIES = {
  /** k1 = saga status. calls = sagas started in the minute, retries = retried steps, extra = compensation steps. */
  saga: 1,
  /** k1 = service, k2 = step, k3 = op. calls = step runs started in the minute, errors = failed runs, retries = runs with attempt > 1. */
  step: 2,
  /** k1 = service. calls = entry spans (no parent, or parent in another service); errors = those with status error. */
  service: 3,
  /** k1 = caller service, k2 = callee service. calls / errors of the callee's entry spans; latency = their duration. */
  edge: 4,
  /** Latency only. k1 = final status (committed / compensated / failed): saga duration. */
  sagaDuration: 5,
  /** Latency only. k1 = status: time to consistency (first forward failure → last successful compensation), the saga's own. */
  timeToConsistency: 6,
  /** Latency only. k1 = status: time to repair of sagas an operator's manual steps brought to a good end (lib/saga/model.ts). */
  timeToRepair: 7,
} as const;

export type SeriesName = keyof typeof SERIES;
export type SeriesId = (typeof SERIES)[SeriesName];
