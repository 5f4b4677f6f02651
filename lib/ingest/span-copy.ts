/**
 * The `spans` table's columns as ingest writes them, and their COPY text
 * encoding: used by the ingest transaction (span-writer.ts) and by the ingest
 * workers, which encode COPY lines off the main thread (copy-block.ts).
 */
import { shardKeyOf, type SpanRow } from './span-row';
import { copyText, timestampText } from '../db/pg-text';

/**
 * The `spans` table's columns as ingest writes them, declared once: the COPY
 * column list, the unnest INSERT's parameter types and both row encodings come
 * from this table. `value` is what the unnest INSERT sends; the COPY text field
 * is derived from it by the column's type. `plain`: the value never needs COPY
 * escaping (lowercase hex ids, the base64url resource id, enum values).
 */
export const SPAN_COLUMNS = [
  col('trace_id', 'text', (r) => r.traceId, 'plain'),
  col('span_id', 'text', (r) => r.spanId, 'plain'),
  col('parent_span_id', 'text', (r) => r.parentSpanId, 'plain'),
  col('saga_id', 'text', (r) => r.sagaId),
  col('service', 'text', (r) => r.service),
  col('name', 'text', (r) => r.name),
  col('kind', 'int2', (r) => r.kind),
  col('start_time', 'timestamptz', (r) => timestampText(r.startMs)),
  col('end_time', 'timestamptz', (r) => timestampText(r.endMs)),
  col('duration_ms', 'float8', (r) => r.endMs - r.startMs),
  col('status_code', 'int2', (r) => r.statusCode),
  col('status_message', 'text', (r) => r.statusMessage),
  col('saga_name', 'text', (r) => r.sagaName),
  col('protocol', 'text', (r) => r.protocol, 'plain'),
  col('role', 'text', (r) => r.role, 'plain'),
  col('step', 'text', (r) => r.step),
  col('step_index', 'int4', (r) => r.stepIndex),
  col('branch_id', 'text', (r) => r.branchId),
  col('op', 'text', (r) => r.op, 'plain'),
  col('attempt', 'int4', (r) => r.attempt),
  col('result', 'text', (r) => r.result, 'plain'),
  col('action_url', 'text', (r) => r.actionUrl),
  col('compensate_url', 'text', (r) => r.compensateUrl),
  col('idempotency_key', 'text', (r) => r.idempotencyKey),
  col('zero_code', 'bool', (r) => r.zeroCode),
  col('scope', 'text', (r) => r.scope),
  col('attributes', 'jsonb', (r) => r.attributesJson),
  col('resource_id', 'text', (r) => r.resourceId, 'plain'),
  col('events', 'jsonb', (r) => r.eventsJson),
  col('trigger', 'text', (r) => r.trigger, 'plain'),
  // Computed on the worker before inheritance fills a saga id in: own saga id or the trace's key, as shardKeyOf says.
  col('shard_key', 'text', shardKeyOf),
];

export type SqlType = 'text' | 'int2' | 'int4' | 'float8' | 'bool' | 'timestamptz' | 'jsonb';
export type Value = string | number | boolean | null;

interface SpanColumn {
  name: string;
  type: SqlType;
  value: (r: SpanRow) => Value;
  /** The COPY text field (escaped, `\\N` for null). */
  copy: (r: SpanRow) => string;
}

function col(name: string, type: SqlType, value: (r: SpanRow) => Value, escaping: 'escape' | 'plain' = 'escape'): SpanColumn {
  return { name, type, value, copy: copyEncoder(type, value, escaping) };
}

/** JSON text holds no raw tab or newline (JSON.stringify escapes them), only backslashes to double. */
const jsonCopyText = (json: string) => (json.indexOf('\\') === -1 ? json : json.replaceAll('\\', '\\\\'));

function copyEncoder(type: SqlType, value: (r: SpanRow) => Value, escaping: 'escape' | 'plain'): (r: SpanRow) => string {
  switch (type) {
    case 'text':
      return escaping === 'plain' ? (r) => (value(r) as string | null) ?? '\\N' : (r) => copyText(value(r) as string | null);
    case 'jsonb':
      return (r) => {
        const v = value(r) as string | null;
        return v === null ? '\\N' : jsonCopyText(v);
      };
    case 'bool':
      return (r) => (value(r) ? 't' : 'f');
    default: // numbers; timestamps are already text without specials (timestampText)
      return (r) => {
        const v = value(r);
        return v === null ? '\\N' : String(v);
      };
  }
}

export const COLUMN_LIST = SPAN_COLUMNS.map((c) => c.name).join(', ');
const COPY_FIELDS = SPAN_COLUMNS.map((c) => c.copy);

/** One COPY text line, in SPAN_COLUMNS order (the hot path of a PostgreSQL ingest). */
export function spanCopyLine(r: SpanRow): string {
  let line = COPY_FIELDS[0]!(r);
  for (let i = 1; i < COPY_FIELDS.length; i++) line += '\t' + COPY_FIELDS[i]!(r);
  return line + '\n';
}

/**
 * The same line in three pieces, head + saga + tail, for lib/ingest/copy-block.ts:
 * the saga_id field alone, so that a row that gains its saga id after its line
 * was encoded needs only that field rewritten.
 */
const SAGA_FIELD = SPAN_COLUMNS.findIndex((c) => c.name === 'saga_id');

export function spanCopyHead(r: SpanRow): string {
  let head = '';
  for (let i = 0; i < SAGA_FIELD; i++) head += COPY_FIELDS[i]!(r) + '\t';
  return head;
}

export const spanCopySaga = (r: SpanRow): string => COPY_FIELDS[SAGA_FIELD]!(r);

export function spanCopyTail(r: SpanRow): string {
  let tail = '';
  for (let i = SAGA_FIELD + 1; i < COPY_FIELDS.length; i++) tail += '\t' + COPY_FIELDS[i]!(r);
  return tail + '\n';
}

