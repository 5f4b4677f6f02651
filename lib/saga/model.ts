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
 * DERIVED
 * - startMs = min start; lastEndMs = max(endMs, startMs) over spans; endMs =
 *   lastEndMs when terminal, else null; durationMs = lastEndMs - startMs.
 * - failedStep: name of the key whose failed forward op (final attempt) ended
 *   first. timeToConsistencyMs (compensated only, with a forward failure): end of
 *   the last successful compensation − end of that failure, ≥ 0; 0 when no
 *   compensation succeeded (nothing needed undoing).
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
 * Protocol msg has no compensation anomaly (missing, out of order, failed, null,
 * hanging); xa has no missing_compensation; only saga checks the order.
 * - missing_compensation (error): a needed key without successful compensation,
 *   only when the status is failed.
 * - compensation_out_of_order (warning, saga only, compensation-order.ts): for
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
 * - hanging_action: per first-phase entry (action/try/prepare) that started after
 *   the key's first compensation entry; info when rejected, else error.
 * - duplicate_execution (error): two or more separate participant-side
 *   executions of one (key, op) succeeded, whatever their attempt numbers.
 * - retry_storm (warning, retry-storms.ts): over the attempts of a (key, op)
 *   that were not answered ONGOING, unless their intervals back off (never
 *   shrinking by more than 10%, the last ≥ 1.5 × the first): more than
 *   maxAttempts within 10 s (attempt numbers missing in between, or before the
 *   first seen, count), or >= 4 attempts whose intervals never grow by more than
 *   10%.
 * - orphan_step (warning, once per saga, orphan-steps.ts): only when some span
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
