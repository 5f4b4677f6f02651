/**
 * The saga model: spans in, a Saga out (DESIGN.md §3).
 *
 * Events are the truth; steps, status and anomalies are recomputed from them every
 * time. Spans are first deduplicated by (traceId, spanId) and sorted by (startMs,
 * spanId, traceId); every later step walks that order, so any permutation of the
 * input, with or without duplicates, gives a deep-equal Saga. Of two differing
 * copies of one span the earliest received is kept (ties: by content). Inputs
 * are never mutated. No spans at all gives a running saga with zero times.
 *
 * CLOCK SKEW (clock-skew.ts), before anything else: a child span in another
 *   service that does not fit inside its parent is moved (with its subtree) into
 *   it; every later rule sees corrected times, and `clockSkew` lists the moves.
 *
 * SPANS
 * - Step span: a span with an op and a step key. Key = branchId when present, else
 *   step. A span with an op but neither is an ordinary span. Ordinary spans only
 *   count towards services, traceIds, spanCount, start/end and last activity.
 * - Coordinator root: role coordinator, no op, and no coordinator parent in the
 *   saga. Present means an orchestrator reports; ended (endMs > 0) means it has
 *   finished and no more work is coming.
 * - Execution: one run of one (key, op) by one side (participant = role
 *   participant or none; coordinator). Step spans nested (through plain spans)
 *   under a step span of the same key, op and side are the same run: on the
 *   participant side always, on the coordinator side when their attempt agrees
 *   (a coordinator span wrapping attempts with other numbers is a container for
 *   the step, not a run). Its result: first saga.step.result found (outer span
 *   first), else failure if any of its spans has status ERROR, else running if
 *   the outer span has not ended, else success. `error` is the failing span's
 *   status message (or a stock sentence).
 *
 * REPAIRS (repair.ts; DESIGN.md §3 "Manual remediation")
 * - A span starts a repair when it carries saga.trigger=manual or its service is
 *   sagascope's own (SAGASCOPE_SERVICE). Every span below such a span (by parent
 *   links within the saga) belongs to that repair: the participant's server span
 *   of sagascope's call carries the x-saga-* fields but not the trigger.
 * - An execution is manual when any of its spans belongs to a repair; a step
 *   entry (attempt) when either side's record of it is.
 * - The saga's "own" run is everything else: its spans (start, end, duration,
 *   whether a coordinator reports and has finished; sagascope's spans say role
 *   coordinator but are not the saga's orchestrator) and its step entries (the
 *   own step model: manual entries removed, final results recomputed).
 * - Repairs do count as activity (lastActivityMs), as steps, and towards the
 *   status: a successful manual compensation completes a compensation, a
 *   successful manual retry completes a forward op.
 *
 * STEPS (one entry per key, op, attempt)
 * - Attempt: saga.attempt when present, else 1..n by start time, counted separately
 *   for the participant side (role participant or none) and the coordinator side,
 *   so that a coordinator's n-th call and the participant's n-th run coincide.
 * - Entry for an attempt: the earliest participant-side execution; the
 *   coordinator's only when the participant sent nothing for that attempt.
 * - Name: saga.step of the key's spans, preferring real names over zero-code URL
 *   paths, and first-phase over second-phase over compensation ops (DTM
 *   compensates on another URL than the action); else the key.
 * - Index: smallest saga.step.index of the key's spans; else the numeric branch
 *   id (DTM's 01, 02 → 1, 2); else the 1-based rank by first forward start.
 * - Final state of (key, op): result of its highest attempt. skipped and rejected
 *   are neither success nor failure.
 * - First-phase op of a key: the first of action, try, prepare, confirm, submit,
 *   commit it has. It answers "did the step's forward work succeed".
 *
 * STATUS (from spans; the clock is applied after)
 * - No step entries: running.
 * - Compensation phase = a forward op's final state is failure, or any
 *   compensation entry exists.
 * - Otherwise: every forward (key, op) succeeded → committed if the coordinator
 *   root finished, else "forward done" (running, committed after failedGraceMs of
 *   quiet: zero-code DTM sagas have no coordinator span). Else running.
 * - In the compensation phase, needed = keys whose first-phase op succeeded.
 *   Compensated when each needed key has a successful compensation entry and no
 *   compensation (key, op) ended in failure. Otherwise failed when the coordinator
 *   root finished, else compensating (failed after failedGraceMs of quiet).
 *
 * TIME (cfg.nowMs)
 * - lastActivityMs = max over spans of receivedMs, else max(endMs, startMs).
 * - Non-terminal sagas have one deadline counted from lastActivityMs: running →
 *   stuck after stuckAfterMs; forward done → committed and compensating → failed
 *   after failedGraceMs, unless stuckAfterMs is strictly shorter, in which case
 *   they become stuck instead. `status` is the status at nowMs; `next` is that
 *   deadline while it lies ahead (with the full anomaly-kind list after it), else
 *   null. Committed, compensated and failed are terminal; stuck is not terminal
 *   but has no timed transition: a new span rebuilds the saga.
 *
 * DERIVED
 * - startMs = min start; lastEndMs = max(endMs, startMs) over the saga's own
 *   spans (all spans when every span is a repair's); endMs = lastEndMs when
 *   terminal, else null; durationMs = lastEndMs - startMs. A repair minutes
 *   later does not lengthen the saga.
 * - failedStep: name of the key whose failed forward op (final attempt) ended
 *   first. timeToConsistencyMs (compensated only, and only when the saga's own
 *   steps compensated it, judged on the own step model): end of the last
 *   successful own compensation − end of the own first failure, ≥ 0; 0 when no
 *   compensation succeeded (nothing needed undoing). A saga that needed a repair
 *   to become consistent has none: its figure is timeToRepairMs.
 * - repairedAtMs / timeToRepairMs: set when the saga's work is done (phase
 *   compensated, committed, or forward work done without coordinator spans)
 *   and the own step model alone would not be. repairedAtMs = end of the last
 *   successful manual entry; timeToRepairMs = repairedAtMs − end of the own
 *   first forward failure (else, for a saga that only stalled, the own
 *   lastEndMs), ≥ 0: how long the saga stayed broken until an operator
 *   repaired it, detection included. Otherwise both null.
 * - compensationCount = compensation entries; stepCount = distinct keys.
 * - name / protocol: most common non-null value (ties: smallest); protocol
 *   defaults to saga. zeroCode: any span is zero-code.
 * - steps sorted by (startMs, index, spanId, traceId).
 *
 * ANOMALIES (sorted by severity, kind, step, evidence, message)
 * Repairs never raise judgements of the saga's order or pace: those marked
 * "own" below look at the own step model only. Findings about what a
 * participant did (a failed, null or duplicated op) count every run: a
 * participant that did the work twice did it twice, whoever asked.
 * - missing_compensation (error): a needed key without successful compensation,
 *   only when the status is failed.
 * - compensation_out_of_order (warning, own): compensated keys grouped by index; each
 *   group's compensations (earliest success per key) must all start strictly
 *   before those of the next lower index. One per violating adjacent pair.
 * - compensation_failed (error): a compensation (key, op) whose final state is
 *   failure.
 * - null_compensation: per compensation entry of a key with no forward entry;
 *   info when skipped, else warning.
 * - hanging_action: per non-manual first-phase entry (action/try/prepare) that
 *   started after the key's first compensation entry (a manual one too); info
 *   when rejected, else error. An operator's forward retry after compensation
 *   is a matter for the action planner's safety rules, not an anomaly.
 * - duplicate_execution (error): two or more separate participant-side
 *   executions of one (key, op) succeeded, whatever their attempt numbers.
 * - retry_storm (warning, own): a (key, op) with more than maxAttempts attempts
 *   (entries, or the highest attempt number if larger), or >= 4 entries whose
 *   start intervals never grow by more than 10%.
 * - orphan_step (warning, own, once per saga): own step spans but no own
 *   coordinator-role span at all, unless the saga is zero-code.
 * - stuck (warning): mirrors status stuck.
 */
import type { ModelConfig, Saga, SagaSpan } from './types';
import { canonicalize } from './spans';
import { correctClockSkew } from './clock-skew';
import { spanFacts } from './facts';
import { buildStepModel } from './steps';
import { assess, evaluateAt } from './status';
import { anomaliesFor, anomalyKinds, timelessAnomalies, type AnomalyInputs } from './anomalies';
import { timings } from './timings';
import { isTerminalStatus } from './ops';
import { ownStepModel, repairSpanFlags, repairTiming } from './repair';
import type { Phase } from './status';

/** Phases in which the saga's work is done (committed, compensated, or forward work done without a coordinator span). */
const GOOD_END: ReadonlySet<Phase> = new Set<Phase>(['committed', 'compensated', 'forward_done']);

export function buildSaga(id: string, input: readonly SagaSpan[], cfg: ModelConfig): Saga {
  const canonical = canonicalize(input);
  const skew = correctClockSkew(canonical.spans, canonical.parentIndex);
  // Moved spans may change places: order them again (they are already unique).
  const { spans, parentIndex } = skew.corrections.length === 0 ? canonical : canonicalize(skew.spans);
  const repair = repairSpanFlags(spans, parentIndex);
  const facts = spanFacts(spans, parentIndex, repair);
  const model = buildStepModel(spans, parentIndex, repair);
  const own = ownStepModel(model);
  const assessment = assess(model, facts.coordinatorFinished, facts.hasCoordinatorSpan);
  const ownAssessment = own === model ? assessment : assess(own, facts.coordinatorFinished, facts.hasCoordinatorSpan);
  const timed = evaluateAt(assessment.phase, facts.lastActivityMs, cfg);

  const inputs: AnomalyInputs = {
    model,
    own,
    assessment,
    maxAttempts: cfg.maxAttempts,
    stuckAfterMs: cfg.stuckAfterMs,
    hasCoordinatorSpan: facts.hasCoordinatorSpan,
    zeroCode: facts.zeroCode,
    lastActiveSpan: facts.lastActiveSpan,
    lastActivityMs: facts.lastActivityMs,
  };
  const timeless = timelessAnomalies(inputs);
  const { failedStep, compensationCount, ...all } = timings(model, timed.status);
  // Time to consistency is the saga's own: only when its own steps compensated it.
  const ownTimings = own === model ? all : timings(own, ownAssessment.phase === 'compensated' ? timed.status : 'compensating');
  const repaired = GOOD_END.has(assessment.phase) && !GOOD_END.has(ownAssessment.phase);
  const { repairedAtMs, timeToRepairMs } = repairTiming(model, repaired, ownTimings.firstFailure, facts.lastEndMs);

  return {
    id,
    name: facts.name,
    protocol: facts.protocol,
    status: timed.status,
    startMs: facts.startMs,
    lastEndMs: facts.lastEndMs,
    endMs: isTerminalStatus(timed.status) ? facts.lastEndMs : null,
    durationMs: facts.lastEndMs - facts.startMs,
    services: facts.services,
    traceIds: facts.traceIds,
    steps: model.steps,
    stepCount: model.groups.length,
    spanCount: spans.length,
    failedStep,
    compensationCount,
    timeToConsistencyMs: ownTimings.timeToConsistencyMs,
    repairedAtMs,
    timeToRepairMs,
    anomalies: anomaliesFor(timed.status, timeless, inputs),
    zeroCode: facts.zeroCode,
    lastActivityMs: facts.lastActivityMs,
    next:
      timed.next === null
        ? null
        : {
            atMs: timed.next.atMs,
            status: timed.next.status,
            anomalies: anomalyKinds(anomaliesFor(timed.next.status, timeless, inputs)),
          },
    clockSkew: skew.corrections,
  };
}
