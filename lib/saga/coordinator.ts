/**
 * The coordinator's own view beside the spans (DESIGN.md §3 "The coordinator's
 * own view", "Who decides that a saga has failed"). Pure: the view comes in as
 * data (CoordinatorInput, made by lib/dtm/view.ts from DTM's store), never as I/O.
 *
 * STATUS. The coordinator's word decides what the spans cannot:
 * - DTM `failed` (it gave up: forceStop, a timeout, or a rollback it finished):
 *   the saga is `failed` unless its spans show it compensated (or committed),
 *   and unless DTM's own rows say every compensation succeeded (a finished
 *   rollback whose spans have not arrived yet stays `compensating`; if they
 *   never come, that is a divergence, not a failure).
 * - DTM `succeed`: forward work done (or still running by the spans, which lag)
 *   is `committed` at once, without the quiet period zero-code sagas wait for.
 * - DTM unfinished (prepared / submitted / aborting): it is still driving the
 *   saga. Forward work done is `running` (not committed: DTM has not said so),
 *   an incomplete compensation is `compensating` and never `failed` from quiet
 *   (DTM retries), and the stuck clock counts from DTM's next retry when that
 *   lies after the last span: a saga DTM will call again at 02:14:30 is not
 *   stuck at 02:14:00.
 *
 * DIVERGENCES (`coordinator_divergence`, one per branch op):
 * - DTM marked a branch op succeeded and no span shows that op succeeding
 *   (the service is not instrumented there, or its spans were dropped);
 * - a span shows an op succeeded where DTM still has it prepared (it will call
 *   it again) or failed (a call made around the coordinator, or a lost answer);
 * - DTM marked the transaction failed with compensations still pending in its
 *   own store (prepared): nobody will run them any more.
 * Outcomes younger than SETTLE_MS at the time the view was read are not judged:
 * exporters send spans in batches (OTel: every 5 s) and DTM may record a
 * branch's status asynchronously (dtmsvr/trans_status.go changeBranchStatus,
 * UpdateBranchAsyncInterval), so either side may briefly lag the other.
 */
import type { Anomaly, CoordinatorBranchOp, CoordinatorDivergence, CoordinatorInput, Protocol } from './types';
import type { StepModel, StepGroup } from './steps';
import type { Phase } from './status';
import { formatInstant } from './format';

/** How long either side may lag the other before a disagreement is a finding. */
export const SETTLE_MS = 15_000;

const UNDO_OPS = new Set(['compensate', 'cancel', 'rollback']);

export function coordinatorFinished(c: CoordinatorInput): boolean {
  return c.status === 'succeed' || c.status === 'failed';
}

/** Compensation rows DTM still has to run although it has marked the transaction failed. */
function pendingCompensations(c: CoordinatorInput, protocol: Protocol): CoordinatorBranchOp[] {
  if (c.status !== 'failed') return [];
  const actionDone = new Set(c.branches.filter((b) => b.op === 'action' && b.status === 'succeed').map((b) => b.branchId));
  return c.branches.filter(
    (b) =>
      UNDO_OPS.has(b.op) &&
      b.status === 'prepared' &&
      b.url !== '' &&
      // A saga undoes only the branches whose action succeeded (dtmsvr/trans_type_saga.go); TCC and XA undo every registered branch.
      (protocol !== 'saga' || actionDone.has(b.branchId)),
  );
}

/** DTM finished a rollback: it marked the transaction failed with every compensation in its store succeeded. */
function rollbackFinished(c: CoordinatorInput, protocol: Protocol): boolean {
  return c.status === 'failed' && c.branches.some((b) => UNDO_OPS.has(b.op)) && pendingCompensations(c, protocol).length === 0;
}

/**
 * Whether the coordinator still calls failed ops again: yes while it is unfinished; no once it gave up
 * (failed with work left undone), so an op whose last attempt failed is a failure from then on; else as
 * the spans say (lib/saga/protocol-rules.ts).
 */
export function coordinatorRetriesWith(c: CoordinatorInput | null, protocol: Protocol, fromSpans: boolean): boolean {
  if (!c) return fromSpans;
  if (!coordinatorFinished(c)) return true;
  if (c.status === 'failed' && !rollbackFinished(c, protocol)) return false;
  return fromSpans;
}

/** The phase once the coordinator's word is heard (see the file comment). */
export function phaseWithCoordinator(phase: Phase, c: CoordinatorInput, protocol: Protocol): Phase {
  if (c.status === 'failed') {
    if (phase === 'compensated' || phase === 'committed') return phase;
    if (phase === 'compensating' && rollbackFinished(c, protocol)) return 'compensating';
    return 'failed';
  }
  if (c.status === 'succeed') return phase === 'running' || phase === 'forward_done' ? 'committed' : phase;
  return phase === 'forward_done' ? 'running' : phase;
}

/** The instant the stuck clock counts from: DTM's next retry when it is still to come after the last span. */
export function activityWithCoordinator(lastActivityMs: number, c: CoordinatorInput | null): number {
  if (!c || coordinatorFinished(c) || c.nextRetryMs === null) return lastActivityMs;
  return Math.max(lastActivityMs, c.nextRetryMs);
}

export interface CoordinatorFindings {
  divergences: CoordinatorDivergence[];
  anomalies: Anomaly[];
}

const label = (g: StepGroup | undefined, branchId: string) => (g ? `branch ${branchId} ("${g.name}")` : `branch ${branchId}`);

export function coordinatorFindings(model: StepModel, c: CoordinatorInput, protocol: Protocol): CoordinatorFindings {
  const groups = new Map(model.groups.map((g) => [g.key, g]));
  const settled = (ms: number | null) => ms === null || ms + SETTLE_MS <= c.fetchedMs;
  const out: Array<{ d: CoordinatorDivergence; a: Anomaly }> = [];
  const add = (b: { branchId: string; op: string }, g: StepGroup | undefined, severity: Anomaly['severity'], message: string, spanIds: string[]) =>
    out.push({
      d: { branchId: b.branchId, op: b.op, message },
      a: { kind: 'coordinator_divergence', severity, step: g?.name ?? `branch ${b.branchId}`, message, spanIds },
    });

  const dtmRow = new Map(c.branches.map((b) => [`${b.branchId}\u0000${b.op}`, b]));
  // 1. DTM says succeeded, no span shows it. An empty URL is DTM's "nothing to call", a success without a call.
  for (const b of c.branches) {
    if (b.status !== 'succeed' || b.url === '' || !settled(b.finishedMs ?? c.fetchedMs)) continue;
    const g = groups.get(b.branchId);
    const entries = g?.histories.find((h) => h.op === b.op)?.entries ?? [];
    if (entries.some((e) => e.result === 'success')) continue;
    const when = b.finishedMs === null ? '' : ` at ${formatInstant(b.finishedMs)}`;
    add(
      b, g, 'warning',
      entries.length === 0
        ? `DTM marked the ${b.op} of ${label(g, b.branchId)} succeeded${when}, but no span of that call arrived: the service may not be instrumented there, or its spans were dropped.`
        : `DTM marked the ${b.op} of ${label(g, b.branchId)} succeeded${when}, but its spans show no successful attempt (${entries.length} attempt${entries.length === 1 ? '' : 's'} seen): the successful call's span is missing.`,
      entries.map((e) => e.spanId),
    );
  }
  // 2. A span says succeeded, DTM has the op prepared or failed.
  for (const g of model.groups) {
    for (const h of g.histories) {
      const row = dtmRow.get(`${g.key}\u0000${h.op}`);
      if (!row || (row.status !== 'prepared' && row.status !== 'failed')) continue;
      const ok = h.entries.filter((e) => e.result === 'success' && settled(e.endMs));
      if (ok.length === 0) continue;
      const last = ok[ok.length - 1]!;
      const consequence =
        row.status === 'prepared'
          ? coordinatorFinished(c)
            ? 'and it will not call it any more'
            : 'so it will call it again'
          : 'so the two records of this op disagree';
      add(
        row, g, 'warning',
        `A span shows the ${h.op} of ${label(g, g.key)} succeeded at ${formatInstant(last.endMs)}${last.manual ? ' (a manual call from sagascope)' : ''}, but DTM has it ${row.status}, ${consequence}.`,
        ok.map((e) => e.spanId),
      );
    }
  }
  // 3. DTM gave up with compensations pending in its own store.
  for (const b of pendingCompensations(c, protocol)) {
    const g = groups.get(b.branchId);
    add(
      b, g, 'error',
      `DTM marked the transaction failed while the ${b.op} of ${label(g, b.branchId)} is still pending (prepared) in its store: DTM will not run it any more (it was stopped or timed out). Undo that branch by hand.`,
      [],
    );
  }
  out.sort((x, y) => (x.d.branchId < y.d.branchId ? -1 : x.d.branchId > y.d.branchId ? 1 : x.d.op < y.d.op ? -1 : x.d.op > y.d.op ? 1 : 0));
  return { divergences: out.map((o) => o.d), anomalies: out.map((o) => o.a) };
}
