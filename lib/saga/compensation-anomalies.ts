import type { Anomaly, Step } from './types';
import type { StepGroup } from './steps';
import type { CompensationState } from './status';
import { isFirstPhaseOp } from './ops';
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
 * Compensations must undo steps in reverse order. Steps sharing an index (parallel
 * branches) are not ordered among themselves, so steps are grouped by index and
 * each group is checked against the next one: every compensation of the higher
 * group must start before every compensation of the lower one. Checking adjacent
 * groups is enough to catch any inversion, keeps this O(k log k) for huge sagas and
 * reports each misplaced step once instead of once per pair.
 */
export function outOfOrderCompensations(groups: readonly StepGroup[]): Anomaly[] {
  const undone: Array<{ g: StepGroup; comp: Step }> = [];
  for (const g of groups) {
    let first: Step | null = null;
    for (const h of g.compensations) {
      for (const e of h.entries) {
        if (e.result === 'success' && (first === null || startsBefore(e, first))) first = e;
      }
    }
    if (first !== null) undone.push({ g, comp: first });
  }
  // groups arrive sorted by index: split into runs of equal index.
  const byIndex: Array<{ index: number; earliest: { g: StepGroup; comp: Step }; latest: { g: StepGroup; comp: Step } }> = [];
  for (const u of undone) {
    const last = byIndex[byIndex.length - 1];
    if (last !== undefined && last.index === u.g.index) {
      if (startsBefore(u.comp, last.earliest.comp)) last.earliest = u;
      if (startsBefore(last.latest.comp, u.comp)) last.latest = u;
    } else {
      byIndex.push({ index: u.g.index, earliest: u, latest: u });
    }
  }
  const out: Anomaly[] = [];
  for (let i = 0; i + 1 < byIndex.length; i++) {
    const lower = byIndex[i].earliest;
    const higher = byIndex[i + 1].latest;
    if (higher.comp.startMs < lower.comp.startMs) continue;
    out.push({
      kind: 'compensation_out_of_order',
      severity: 'warning',
      step: lower.g.name,
      message:
        `Step ${quoted(lower.g.name)} (#${lower.g.index}, ${lower.comp.service}) was compensated before step ` +
        `${quoted(higher.g.name)} (#${higher.g.index}, ${higher.comp.service}); compensations should run in reverse step order.`,
      spanIds: [lower.comp.spanId, higher.comp.spanId],
    });
  }
  return out;
}

/** A compensation whose final attempt failed: the step is left half undone. */
export function failedCompensations(groups: readonly StepGroup[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.compensations) {
      if (h.final !== 'failure') continue;
      const last = lastEntry(h.entries);
      const why = last.error ? `: ${last.error}` : '.';
      out.push({
        kind: 'compensation_failed',
        severity: 'error',
        step: g.name,
        message: `Compensation (${h.op}) of step ${quoted(g.name)} (${last.service}) failed after ${h.entries.length} attempt(s)${why}`,
        spanIds: h.entries.filter((e) => e.result === 'failure').map((e) => e.spanId),
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
