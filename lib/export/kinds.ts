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
  // For a person reading the file (lib/export/span-copy.ts has the SQL of each): times first, ISO-8601;
  // the duration rounded to microseconds; kind and status by name; the well-known attributes as
  // columns and the span's other attributes as one JSON object (then its resource and events, JSON).
  spans: [
    col('traceId'),
    col('spanId'),
    col('parentSpanId'),
    col('startedAt'),
    col('endedAt'),
    col('durationMs', 'number'),
    col('service'),
    col('name'),
    col('kind'),
    col('status'),
    col('statusMessage'),
    col('sagaId'),
    col('sagaName'),
    col('step'),
    col('op'),
    col('result'),
    col('httpStatusCode', 'number'),
    col('rpcGrpcStatusCode', 'number'),
    col('protocol'),
    col('role'),
    col('stepIndex', 'number'),
    col('attempt', 'number'),
    col('branchId'),
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
