import type { Anomaly, Step } from './types';
import type { StepGroup } from './steps';
import type { CompensationState } from './status';
import { isFirstPhaseOp } from './ops';
import { isBeingRetried, isFailedAttempt } from './protocol-rules';
import { formatDuration, quoted } from './format';

/** A needed step left without a successful compensation (raised only once the saga is failed). */
export function missingCompensations(state: CompensationState): Anomaly[] {
  return state.uncompensated.map((g) => {
    const done = lastEntry(g.firstPhase!.entries);
    const tries = g.compensations.flatMap((h) => h.entries);
    const message =
      tries.length === 0
        ? `Step ${quoted(g.name)} (${done.service}) succeeded but was never compensated.`
        : `Step ${quoted(g.name)} (${done.service}) succeeded but none of its ${tries.length} compensation attempt(s) succeeded.`;
    return {
      kind: 'missing_compensation',
      severity: 'error',
      step: g.name,
      message,
      spanIds: [done.spanId, ...tries.map((e) => e.spanId)],
    };
  });
}

/**
 * A compensation whose final attempt failed: the step is left half undone.
 * `retried`: instead, the compensations whose latest attempt failed while the
 * coordinator still retries them (DTM); raised once the saga is stuck, as a
 * retry may yet succeed before that.
 */
export function failedCompensations(groups: readonly StepGroup[], retried = false): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.compensations) {
      const last = lastEntry(h.entries);
      if (retried ? !isBeingRetried(h.final, last.result) : h.final !== 'failure') continue;
      const why = last.error ? `: ${last.error}` : '.';
      const failures = h.entries.filter((e) => isFailedAttempt(e.result));
      const what = retried
        ? `failed ${failures.length} of ${h.entries.length} attempt(s) and has not been retried since, although its coordinator retries until it succeeds`
        : `failed after ${h.entries.length} attempt(s)`;
      out.push({
        kind: 'compensation_failed',
        severity: 'error',
        step: g.name,
        message: `Compensation (${h.op}) of step ${quoted(g.name)} (${last.service}) ${what}${why}`,
        spanIds: failures.map((e) => e.spanId),
      });
    }
  }
  return out;
}

/**
 * A compensation ran for a step whose forward op never ran (a "null
 * compensation"). Seen either way: no forward span of the step at all, or the
 * participant's barrier reporting the compensation as a no-op (`skipped`) —
 * the barrier knows the action had not run there, even when a caller's
 * timed-out or later-refused forward attempt is on record.
 */
export function nullCompensations(groups: readonly StepGroup[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.compensations) {
      for (const e of h.entries) {
        const skipped = e.result === 'skipped';
        if (g.hasForward && !skipped) continue;
        out.push({
          kind: 'null_compensation',
          severity: skipped ? 'info' : 'warning',
          step: g.name,
          message: skipped
            ? `Step ${quoted(g.name)} (${e.service}) was compensated (${h.op}) without having run; its barrier recorded a no-op.`
            : `Step ${quoted(g.name)} (${e.service}) was compensated (${h.op}) although its forward op never ran.`,
          spanIds: [e.spanId],
        });
      }
    }
  }
  return out;
}

/**
 * A first-phase op that started after its step's compensation had begun (a
 * "hanging" action). Any compensation counts, an operator's too; but an
 * operator's own forward retry after compensation is not flagged here: whether
 * it may run is a rule the action planner enforces before calling anything
 * (lib/actions), and the saga's record of it is a repair, not the saga's fault.
 */
export function hangingActions(groups: readonly StepGroup[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    let firstComp: Step | null = null;
    for (const h of g.compensations) {
      for (const e of h.entries) if (firstComp === null || startsBefore(e, firstComp)) firstComp = e;
    }
    if (firstComp === null) continue;
    for (const h of g.histories) {
      if (!isFirstPhaseOp(h.op)) continue;
      for (const e of h.entries) {
        if (e.manual || e.startMs <= firstComp.startMs) continue;
        const rejected = e.result === 'rejected';
        const late = formatDuration(e.startMs - firstComp.startMs);
        out.push({
          kind: 'hanging_action',
          severity: rejected ? 'info' : 'error',
          step: g.name,
          message: rejected
            ? `Step ${quoted(g.name)} (${e.service}) received its ${h.op} ${late} after its ${firstComp.op} had started; the barrier rejected it.`
            : `Step ${quoted(g.name)} (${e.service}) ran its ${h.op} ${late} after its ${firstComp.op} had started, leaving work nothing will undo.`,
          spanIds: [e.spanId, firstComp.spanId],
        });
      }
    }
  }
  return out;
}

function startsBefore(a: Step, b: Step): boolean {
  if (a.startMs !== b.startMs) return a.startMs < b.startMs;
  return a.spanId < b.spanId || (a.spanId === b.spanId && a.traceId < b.traceId);
}

function lastEntry(entries: readonly Step[]): Step {
  return entries[entries.length - 1];
}
