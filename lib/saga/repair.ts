/**
 * Manual remediation (DESIGN.md §3): spans of an operator's repair are not the
 * saga's own run. This module says which spans and steps are a repair, gives the
 * model a view of the saga without them (its "own" run), and derives the repair's
 * timing.
 *
 * A span is part of a repair when it, or a span above it in the saga, carries
 * saga.trigger=manual or was sent by sagascope itself (service SAGASCOPE_SERVICE:
 * lib/telemetry/self.ts exports the manual-action spans under that name). The
 * ancestry matters: sagascope's client span is the root of its own trace and the
 * participant's server span of that call (and everything it does) hangs below
 * it, usually without saga.trigger (participants copy x-saga-* headers, not the
 * trigger).
 */
import type { SagaSpan, Step } from './types';
import type { OpHistory, StepGroup, StepModel } from './steps';
import { finalResult, groupOf } from './steps';

/** service.name of sagascope's own telemetry (lib/telemetry/self.ts). Pure here so lib/saga and lib/stats need no SDK. */
export const SAGASCOPE_SERVICE = 'sagascope';

/** The span itself says it is a repair: saga.trigger=manual, or sagascope sent it. */
export function startsRepair(s: SagaSpan): boolean {
  return s.trigger === 'manual' || s.service === SAGASCOPE_SERVICE;
}

/**
 * Per canonical span: 1 when it or an ancestor within the saga starts a repair.
 * Null when no span does (the common case: nothing to mark, nothing allocated).
 * Iterative and memoised (parent chains can be tens of thousands deep); a parent
 * cycle (span data is untrusted) ends a walk.
 */
export function repairSpanFlags(spans: readonly SagaSpan[], parentIndex: Int32Array): Uint8Array | null {
  let any = false;
  for (const s of spans) {
    if (startsRepair(s)) {
      any = true;
      break;
    }
  }
  if (!any) return null;
  const UNKNOWN = 2;
  const ON_WALK = 3;
  const flags = new Uint8Array(spans.length).fill(UNKNOWN);
  const walk: number[] = [];
  for (let i = 0; i < spans.length; i++) {
    let cur = i;
    let found = 0;
    while (flags[cur] === UNKNOWN) {
      if (startsRepair(spans[cur]!)) {
        found = 1;
        flags[cur] = 1;
        break;
      }
      walk.push(cur);
      flags[cur] = ON_WALK;
      const parent = parentIndex[cur]!;
      if (parent < 0) break;
      cur = parent;
    }
    if (flags[cur] === 0 || flags[cur] === 1) found = flags[cur]!;
    for (const p of walk) flags[p] = found;
    walk.length = 0;
  }
  return flags;
}

/**
 * The saga's own run: the step model without manual entries. Histories keep
 * only their own attempts (final result and highest attempt recomputed from
 * them); histories and groups left empty go. The same object when no step is
 * manual, so callers can tell cheaply whether there was a repair at all.
 */
export function ownStepModel(model: StepModel): StepModel {
  if (!model.steps.some((s) => s.manual)) return model;
  const groups: StepGroup[] = [];
  for (const g of model.groups) {
    const histories: OpHistory[] = [];
    for (const h of g.histories) {
      const entries = h.entries.filter((e) => !e.manual);
      if (entries.length === 0) continue;
      if (entries.length === h.entries.length) {
        histories.push(h);
        continue;
      }
      let maxAttempt = 0;
      for (const e of entries) if (e.attempt > maxAttempt) maxAttempt = e.attempt;
      histories.push({ ...h, runs: h.runs.filter((r) => !r.manual), entries, final: finalResult(entries), maxAttempt });
    }
    if (histories.length > 0) groups.push(groupOf(g.key, g.name, g.index, histories));
  }
  return { groups, steps: model.steps.filter((s) => !s.manual) };
}

export interface RepairTiming {
  /** End of the last successful manual step, when the repair is what brought the saga to a good end. */
  repairedAtMs: number | null;
  /** repairedAtMs − the start of the trouble (see below), ≥ 0. */
  timeToRepairMs: number | null;
}

/**
 * `repaired`: the saga reached a good end (compensated, committed or, for a saga
 * without coordinator spans, forward work done) and would not have on its own
 * steps alone. The trouble started at the end of the saga's own first forward
 * failure (the failure that called for compensation or a retry), else, for a saga
 * with no failure (one that stalled), when its own run went quiet (`ownLastEndMs`).
 */
export function repairTiming(
  model: StepModel,
  repaired: boolean,
  ownFirstFailure: Step | null,
  ownLastEndMs: number,
): RepairTiming {
  if (!repaired) return { repairedAtMs: null, timeToRepairMs: null };
  let repairedAtMs = -Infinity;
  for (const s of model.steps) if (s.manual && s.result === 'success' && s.endMs > repairedAtMs) repairedAtMs = s.endMs;
  if (repairedAtMs === -Infinity) return { repairedAtMs: null, timeToRepairMs: null };
  const troubleMs = ownFirstFailure === null ? ownLastEndMs : ownFirstFailure.endMs > 0 ? ownFirstFailure.endMs : ownFirstFailure.startMs;
  return { repairedAtMs, timeToRepairMs: Math.max(0, repairedAtMs - troubleMs) };
}
