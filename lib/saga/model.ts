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
 * - startMs = min start; lastEndMs = max(endMs, startMs) over spans; endMs =
 *   lastEndMs when terminal, else null; durationMs = lastEndMs - startMs.
 * - failedStep: name of the key whose failed forward op (final attempt) ended
 *   first. timeToConsistencyMs (compensated only, with a forward failure): end of
 *   the last successful compensation − end of that failure, ≥ 0; 0 when no
 *   compensation succeeded (nothing needed undoing).
 * - compensationCount = compensation entries; stepCount = distinct keys.
 * - name / protocol: most common non-null value (ties: smallest); protocol
 *   defaults to saga. zeroCode: any span is zero-code.
 * - steps sorted by (startMs, index, spanId, traceId).
 *
 * ANOMALIES (sorted by severity, kind, step, evidence, message)
 * - missing_compensation (error): a needed key without successful compensation,
 *   only when the status is failed.
 * - compensation_out_of_order (warning): compensated keys grouped by index; each
 *   group's compensations (earliest success per key) must all start strictly
 *   before those of the next lower index. One per violating adjacent pair.
 * - compensation_failed (error): a compensation (key, op) whose final state is
 *   failure.
 * - null_compensation: per compensation entry of a key with no forward entry;
 *   info when skipped, else warning.
 * - hanging_action: per first-phase entry (action/try/prepare) that started after
 *   the key's first compensation entry; info when rejected, else error.
 * - duplicate_execution (error): two or more separate participant-side
 *   executions of one (key, op) succeeded, whatever their attempt numbers.
 * - retry_storm (warning): a (key, op) with more than maxAttempts attempts
 *   (entries, or the highest attempt number if larger), or >= 4 entries whose
 *   start intervals never grow by more than 10%.
 * - orphan_step (warning, once per saga): step spans but no coordinator-role span
 *   at all, unless the saga is zero-code.
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
import { sagaRules, settleStandings } from './protocol-rules';
import { sagaName } from './zero-code-name';

export function buildSaga(id: string, input: readonly SagaSpan[], cfg: ModelConfig): Saga {
  const canonical = canonicalize(input);
  const skew = correctClockSkew(canonical.spans, canonical.parentIndex);
  // Moved spans may change places: order them again (they are already unique).
  const { spans, parentIndex } = skew.corrections.length === 0 ? canonical : canonicalize(skew.spans);
  const facts = spanFacts(spans, parentIndex);
  const rules = sagaRules(facts.protocol, facts.zeroCode, facts.hasCoordinatorSpan);
  const model = buildStepModel(spans, parentIndex);
  settleStandings(model, rules);
  const assessment = assess(model, facts.coordinatorFinished, facts.hasCoordinatorSpan, rules);
  const timed = evaluateAt(assessment.phase, facts.lastActivityMs, cfg, rules);

  const inputs: AnomalyInputs = {
    model,
    assessment,
    rules,
    maxAttempts: cfg.maxAttempts,
    stuckAfterMs: cfg.stuckAfterMs,
    hasCoordinatorSpan: facts.hasCoordinatorSpan,
    spans,
    parentIndex,
    lastActiveSpan: facts.lastActiveSpan,
    lastActivityMs: facts.lastActivityMs,
  };
  const timeless = timelessAnomalies(inputs);
  const { failedStep, timeToConsistencyMs, compensationCount } = timings(model, timed.status);

  return {
    id,
    name: sagaName(id, facts.name, model.groups, facts.zeroCode, facts.protocol, cfg.nameRules),
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
    timeToConsistencyMs,
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
