import type { Anomaly } from './types';
import type { StepGroup } from './steps';
import { listOf, quoted } from './format';

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

