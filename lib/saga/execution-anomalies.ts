import type { Anomaly, Step } from './types';
import type { StepGroup } from './steps';
import { formatDuration, listOf, quoted } from './format';

/** Two separate participant-side executions of one (step, op) both succeeded: an idempotency breach. */
export function duplicateExecutions(groups: readonly StepGroup[]): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.histories) {
      const ok = h.runs.filter((r) => r.cls === 'participant' && r.result === 'success');
      if (ok.length < 2) continue;
      const services = [...new Set(ok.map((r) => r.root.service))].sort();
      out.push({
        kind: 'duplicate_execution',
        severity: 'error',
        step: g.name,
        message: `Step ${quoted(g.name)} (${listOf(services)}) ran its ${h.op} successfully ${ok.length} times; it must be idempotent.`,
        spanIds: ok.map((r) => r.root.spanId),
      });
    }
  }
  return out;
}

/**
 * Too many attempts, or retries that do not back off. An interval may jitter by
 * 10% and still count as "not growing"; four attempts are needed before three
 * intervals say anything about a pattern.
 */
export function retryStorms(groups: readonly StepGroup[], maxAttempts: number): Anomaly[] {
  const out: Anomaly[] = [];
  for (const g of groups) {
    for (const h of g.histories) {
      const attempts = Math.max(h.entries.length, h.maxAttempt);
      const service = h.entries[h.entries.length - 1].service;
      let message: string | null = null;
      if (attempts > maxAttempts) {
        message = `Step ${quoted(g.name)} (${service}) attempted its ${h.op} ${attempts} times (more than ${maxAttempts}).`;
      } else {
        const gaps = noBackoffGaps(h.entries);
        if (gaps !== null) {
          message =
            `Step ${quoted(g.name)} (${service}) retried its ${h.op} ${h.entries.length - 1} times without backing off ` +
            `(intervals ${gaps.map(formatDuration).join(', ')}).`;
        }
      }
      if (message === null) continue;
      out.push({ kind: 'retry_storm', severity: 'warning', step: g.name, message, spanIds: h.entries.map((e) => e.spanId) });
    }
  }
  return out;
}

/** The intervals between attempt starts when there are >= 4 attempts and none grows; else null. */
function noBackoffGaps(entries: readonly Step[]): number[] | null {
  if (entries.length < 4) return null;
  const starts = entries.map((e) => e.startMs).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < starts.length; i++) gaps.push(starts[i] - starts[i - 1]);
  for (let i = 1; i < gaps.length; i++) if (gaps[i] > gaps[i - 1] * 1.1) return null;
  return gaps;
}

/**
 * Participants reported steps but no coordinator span exists at all. Not raised
 * for zero-code DTM sagas: DTM emits no spans, so that absence is expected.
 */
export function orphanSteps(
  groups: readonly StepGroup[],
  steps: readonly Step[],
  hasCoordinatorSpan: boolean,
  zeroCode: boolean,
): Anomaly[] {
  if (hasCoordinatorSpan || zeroCode || steps.length === 0) return [];
  const services = [...new Set(steps.map((s) => s.service))].sort();
  const names = groups.map((g) => quoted(g.name));
  return [
    {
      kind: 'orphan_step',
      severity: 'warning',
      step: null,
      message:
        `Step(s) ${listOf(names)} ran on ${listOf(services)} but no coordinator span was received: ` +
        `the orchestrator is not instrumented or its spans were lost.`,
      spanIds: steps.map((s) => s.spanId),
    },
  ];
}
