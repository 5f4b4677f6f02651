/** Stored summary rows → the API's SagaSummary (lib/api/types.ts); a modelled saga's JSON: lib/saga-view/json.ts. */
import type { AnomalyKind, Protocol, SagaStatus } from '../saga/types';
import type { SagaSummary } from '../api/types';
import { isTerminalStatus } from '../saga/ops';
import { applyPendingTransition, pendingTransitionFromColumns } from '../saga/transition';

/** A stored summary row (Prisma model) with its pending transition applied at `now`. */
export interface SagaRow {
  id: string;
  name: string | null;
  protocol: string;
  status: string;
  statusAfter: string | null;
  statusChangesAt: Date | null;
  anomalies: string[];
  anomaliesAfter: string[];
  startedAt: Date;
  lastSpanEndAt: Date;
  durationMs: number;
  services: string[];
  stepCount: number;
  failedStep: string | null;
  compensationCount: number;
  timeToConsistencyMs: number | null;
  repairedAt: Date | null;
  timeToRepairMs: number | null;
}

export function sagaRowToSummaryJson(row: SagaRow, nowMs: number): SagaSummary {
  const { status, anomalies } = applyPendingTransition(
    {
      status: row.status as SagaStatus,
      anomalies: row.anomalies as AnomalyKind[],
      next: pendingTransitionFromColumns(row.statusAfter as SagaStatus | null, row.statusChangesAt, row.anomaliesAfter as AnomalyKind[]),
    },
    nowMs,
  );
  return {
    id: row.id,
    name: row.name,
    protocol: row.protocol as Protocol,
    status,
    startedAt: row.startedAt.toISOString(),
    endedAt: isTerminalStatus(status) ? row.lastSpanEndAt.toISOString() : null,
    durationMs: row.durationMs,
    services: row.services,
    stepCount: row.stepCount,
    failedStep: row.failedStep,
    compensationCount: row.compensationCount,
    timeToConsistencyMs: row.timeToConsistencyMs,
    repairedAt: row.repairedAt === null ? null : row.repairedAt.toISOString(),
    timeToRepairMs: row.timeToRepairMs,
    anomalies: [...anomalies],
  };
}
