/** What each export kind contains: its columns, in file order. */
import type { ExportColumn } from './format';

export const EXPORT_KINDS = ['sagas', 'spans', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

const col = (name: string, kind: ExportColumn['kind'] = 'text'): ExportColumn => ({ name, kind });

export const EXPORT_COLUMNS: Record<ExportKind, readonly ExportColumn[]> = {
  // The API's SagaSummary, plus what an auditor needs to reconcile.
  sagas: [
    col('id'),
    col('name'),
    col('protocol'),
    col('status'),
    col('startedAt'),
    col('endedAt'),
    col('durationMs', 'number'),
    col('timeToConsistencyMs', 'number'),
    col('repairedAt'),
    col('timeToRepairMs', 'number'),
    col('services', 'strings'),
    col('stepCount', 'number'),
    col('spanCount', 'number'),
    col('failedStep'),
    col('compensationCount', 'number'),
    col('anomalies', 'strings'),
    col('traceIds', 'strings'),
  ],
  // Raw spans as stored; times with microseconds; each event's time also as ISO-8601 (`time`).
  spans: [
    col('traceId'),
    col('spanId'),
    col('parentSpanId'),
    col('sagaId'),
    col('service'),
    col('name'),
    col('kind', 'number'),
    col('startedAt'),
    col('endedAt'),
    col('durationMs', 'number'),
    col('statusCode', 'number'),
    col('statusMessage'),
    col('sagaName'),
    col('protocol'),
    col('role'),
    col('step'),
    col('stepIndex', 'number'),
    col('branchId'),
    col('op'),
    col('attempt', 'number'),
    col('result'),
    col('actionUrl'),
    col('compensateUrl'),
    col('idempotencyKey'),
    col('attributes', 'json'),
    col('resource', 'json'),
    col('events', 'json'),
    col('receivedAt'),
  ],
  // Every hashed field, so an exported trail can be re-verified from the file alone.
  audit: [
    col('seq', 'number'),
    col('at'),
    col('actor'),
    col('role'),
    col('via'),
    col('action'),
    col('sagaId'),
    col('step'),
    col('request', 'json'),
    col('result', 'json'),
    col('outcome'),
    col('reason'),
    col('ref', 'number'),
    col('prevHash'),
    col('hash'),
  ],
};
