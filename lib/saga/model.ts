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
 *   the step, not a run). Its result: first span result found (outer span
 *   first), else failure if any of its spans has status ERROR, else running if
 *   the outer span has not ended, else success. A span's result is
 *   saga.step.result, or for a span that joined its saga through DTM's
 *   parameters, DTM's reading of its HTTP / gRPC status code (dtm-result.ts,
 *   at extraction): 409 / ABORTED failure, 425 / FAILED_PRECONDITION ongoing,
 *   any other code but 200 / OK transient (an error DTM retries). `error` is the
 *   failing span's status message (or a stock sentence).
 *
 * PROTOCOL RULES (protocol-rules.ts)
 * - The coordinator retries when the saga is zero-code and no span has role
 *   coordinator: DTM runs it, emits no spans, and calls every op it runs until
 *   it succeeds (saga action/compensate, msg action and check-back, tcc
 *   confirm/cancel, xa commit/rollback, workflow second phase), except that a
 *   saga action's or a check-back's FAILURE is final.
 * - Standing of a (key, op), from its final result: ongoing → running; failure
 *   or transient → running when retried (above, or any msg action: a message's
 *   branches are retried until they succeed), else failure.
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
 * - Final state of (key, op): its standing (PROTOCOL RULES) from the result of
 *   its latest attempt that is not skipped or rejected (those are neither
 *   success nor failure; they stand only when every attempt is one).
 * - First-phase op of a key: the first of action, try, prepare, msg, confirm,
 *   submit, commit it has. It answers "did the step's forward work succeed".
 *   (msg: DTM's check-back of a two-phase message, branch 00.)
 *
 * STATUS (from spans; the clock is applied after)
 * - No step entries: running.
 * - Compensation phase = a forward op's final state is failure, or any
 *   compensation entry exists.
 * - Otherwise: every forward (key, op) succeeded, and two-phase ones completed
 *   (try+confirm, prepare+submit/commit, for xa action+commit) → committed if
 *   the coordinator root finished, else "forward done" (running, committed
 *   after failedGraceMs of quiet: zero-code DTM sagas have no coordinator
 *   span), or running while a coordinator that reports has not finished. Else
 *   running.
 * - In the compensation phase, needed = keys whose first-phase op succeeded.
 *   Compensated when each needed key has a successful compensation entry and no
 *   compensation (key, op) ended in failure. Otherwise failed when the coordinator
 *   root finished, else compensating (failed after failedGraceMs of quiet, unless
 *   the coordinator retries: then only stuck — never failed from spans alone).
 *
 * TIME (cfg.nowMs)
 * - lastActivityMs = max over spans of receivedMs, else max(endMs, startMs).
 * - Non-terminal sagas have one deadline counted from lastActivityMs: running →
 *   stuck after stuckAfterMs; forward done → committed and compensating → failed
 *   after failedGraceMs, unless stuckAfterMs is strictly shorter, in which case
 *   they become stuck instead; compensating with a retrying coordinator → stuck
 *   after stuckAfterMs. `status` is the status at nowMs; `next` is that
 *   deadline while it lies ahead (with the full anomaly-kind list after it), else
 *   null. Committed, compensated and failed are terminal; stuck is not terminal
 *   but has no timed transition: a new span rebuilds the saga.
 *
 * COORDINATOR (coordinator.ts; optional input: the coordinator's own store, DTM)
 * - Given, its word decides: DTM failed with compensations pending → failed;
 *   DTM succeed → committed; DTM unfinished → never failed from quiet, forward
 *   work done stays running, and the stuck clock counts from its next retry.
 * - coordinator_divergence (warning; error for pending compensations of a failed
 *   transaction): DTM succeeded an op no successful span shows, a span succeeded
 *   an op DTM has prepared / failed, DTM failed with compensations prepared;
 *   outcomes younger than SETTLE_MS at the read are not judged.
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
 * - protocol: most common non-null value (ties: smallest); default saga.
 *   zeroCode: any span is zero-code.
 * - name (zero-code-name.ts): most common saga.name (ties: smallest); else the
 *   first matching cfg.nameRules rule (gid pattern, route prefix); else for a
 *   zero-code saga its route: the URL path / gRPC method of its lowest-numbered
 *   forward branch (not the check-back), id-like segments as `:id`; else null.
 * - steps sorted by (startMs, index, spanId, traceId).
 *
 * ANOMALIES (sorted by severity, kind, step, evidence, message)
 * Repairs never raise judgements of the saga's order or pace: those marked
 * "own" below look at the own step model only. Findings about what a
 * participant did (a failed, null or duplicated op) count every run: a
 * participant that did the work twice did it twice, whoever asked.
 * Protocol msg has no compensation anomaly (missing, out of order, failed, null,
 * hanging); xa has no missing_compensation; only saga checks the order.
 * - missing_compensation (error): a needed key without successful compensation,
 *   only when the status is failed.
 * - compensation_out_of_order (warning, own, saga only, compensation-order.ts): for
 *   compensated keys A, B where B's first-phase attempts (those before its
 *   compensation, manual ones aside) started once A's had ended, B's earliest
 *   successful compensation must start strictly before A's. Keys whose forward
 *   work overlapped ran concurrently: any order. One per key compensated too
 *   early, naming the later key compensated last.
 * - compensation_failed (error): a compensation (key, op) whose final state is
 *   failure; or, once the saga is stuck, one whose latest attempt failed while
 *   the coordinator retries it.
 * - null_compensation: per compensation entry of a key with no forward entry;
 *   info when skipped, else warning.
 * - hanging_action: per non-manual first-phase entry (action/try/prepare) that
 *   started after the key's first compensation entry (a manual one too); info
 *   when rejected, else error. An operator's forward retry after compensation
 *   is a matter for the action planner's safety rules, not an anomaly.
 * - duplicate_execution (error): two or more separate participant-side
 *   executions of one (key, op) succeeded, whatever their attempt numbers.
 * - retry_storm (warning, own, retry-storms.ts): over the attempts of a (key, op)
 *   that were not answered ONGOING, unless their intervals back off (never
 *   shrinking by more than 10%, the last ≥ 1.5 × the first): more than
 *   maxAttempts within 10 s (attempt numbers missing in between, or before the
 *   first seen, count), or >= 4 attempts whose intervals never grow by more than
 *   10%.
 * - orphan_step (warning, own, once per saga, orphan-steps.ts): only when some span
 *   has role coordinator: participant runs with no coordinator span above them
 *   in their trace and, when the coordinator records calls of their op, no
 *   coordinator run of their (key, op) — else (it records no call of that op,
 *   only its saga span) started outside every coordinator root span (± 1 s). Never for a choreographed or a
 *   zero-code DTM saga.
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
import { sagaRules, settleStandings } from './protocol-rules';
import { sagaName } from './zero-code-name';
import { activityWithCoordinator, coordinatorFindings, coordinatorRetriesWith, phaseWithCoordinator } from './coordinator';
import type { CoordinatorInput } from './types';

/**
 * `coordinator`: the coordinator's own view (DTM's store, lib/saga/coordinator.ts), when
 * it was read; it decides failed vs compensating and adds coordinator_divergence findings.
 */
export function buildSaga(id: string, input: readonly SagaSpan[], cfg: ModelConfig, coordinator: CoordinatorInput | null = null): Saga {
  const canonical = canonicalize(input);
  const skew = correctClockSkew(canonical.spans, canonical.parentIndex);
  // Moved spans may change places: order them again (they are already unique).
  const { spans, parentIndex } = skew.corrections.length === 0 ? canonical : canonicalize(skew.spans);
  const repair = repairSpanFlags(spans, parentIndex);
  const facts = spanFacts(spans, parentIndex, repair);
  const spanRules = sagaRules(facts.protocol, facts.zeroCode, facts.hasCoordinatorSpan);
  // A coordinator whose store says it is still at work retries: never failed from quiet alone.
  const rules = { ...spanRules, coordinatorRetries: coordinatorRetriesWith(coordinator, facts.protocol, spanRules.coordinatorRetries) };
  const model = buildStepModel(spans, parentIndex, repair);
  settleStandings(model, rules);
  const own = ownStepModel(model);
  // ownStepModel recomputes each history's final state without the protocol's rules: settle it the same way.
  if (own !== model) settleStandings(own, rules);
  const spanAssessment = assess(model, facts.coordinatorFinished, facts.hasCoordinatorSpan, rules);
  const assessment = coordinator
    ? { ...spanAssessment, phase: phaseWithCoordinator(spanAssessment.phase, coordinator, facts.protocol) }
    : spanAssessment;
  const ownAssessment = own === model ? assessment : assess(own, facts.coordinatorFinished, facts.hasCoordinatorSpan, rules);
  const timed = evaluateAt(assessment.phase, activityWithCoordinator(facts.lastActivityMs, coordinator), cfg, rules);
  const findings = coordinator ? coordinatorFindings(model, coordinator, facts.protocol) : null;

  const inputs: AnomalyInputs = {
    model,
    own,
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
  const timeless = findings ? [...timelessAnomalies(inputs), ...findings.anomalies] : timelessAnomalies(inputs);
  const { failedStep, compensationCount, ...all } = timings(model, timed.status);
  // Time to consistency is the saga's own: only when its own steps compensated it.
  const ownTimings = own === model ? all : timings(own, ownAssessment.phase === 'compensated' ? timed.status : 'compensating');
  const repaired = GOOD_END.has(assessment.phase) && !GOOD_END.has(ownAssessment.phase);
  const { repairedAtMs, timeToRepairMs } = repairTiming(model, repaired, ownTimings.firstFailure, facts.lastEndMs);

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
    coordinatorDivergences: findings?.divergences ?? null,
  };
}
