/**
 * The last check before a span row joins a group commit: every column against
 * what PostgreSQL takes (lib/ingest/span-writer.ts COPY / unnest path). The
 * decoders and toSpanRows already produce only such rows (span-validation
 * bounds times, clean-text makes text and JSON storable, saga attributes cap
 * the int4 fields); this gate turns a row that slipped through anyway into a
 * rejection of that span alone (partial_success), where it would otherwise fail
 * the transaction of every request it was batched with. The pipeline's split
 * retry (lib/ingest/pipeline.ts) is the line behind this one.
 */
import type { SpanRow } from './span-row';
import { MAX_SPAN_TIME_MS } from '../otlp/span-validation';

const INT2_MAX = 32_767;
const INT4_MAX = 2_147_483_647;

const isInt = (n: number, max: number) => Number.isInteger(n) && n >= -max - 1 && n <= max;

/** text columns: PostgreSQL refuses U+0000 (22021) and UTF-8 cannot carry a lone surrogate. */
const badText = (s: string | null) => s !== null && (s.indexOf('\u0000') !== -1 || !s.isWellFormed());

/**
 * jsonb refuses \u0000 and escaped lone surrogates (22P05 / 22P02). JSON.stringify
 * escapes nothing else in that range (a valid pair is written as itself), so any
 * such escape not preceded by an escaped backslash is one of those.
 */
const BAD_JSON_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const badJson = (json: string | null) => json !== null && json.indexOf('\\u') !== -1 && BAD_JSON_ESCAPE.test(json);

const TEXT_COLUMNS = [
  'service', 'name', 'statusMessage', 'scope', 'sagaId', 'sagaName', 'step', 'branchId',
  'actionUrl', 'compensateUrl', 'idempotencyKey',
] as const;

/** Why PostgreSQL would refuse this row, or null. */
export function rowProblem(r: SpanRow): string | null {
  if (!(r.startMs > 0 && r.endMs >= r.startMs && r.endMs <= MAX_SPAN_TIME_MS)) return 'time is outside what can be stored (1970 to 9999)';
  if (!isInt(r.kind, INT2_MAX) || !isInt(r.statusCode, INT2_MAX)) return 'kind or status code out of range';
  if ((r.stepIndex !== null && !isInt(r.stepIndex, INT4_MAX)) || (r.attempt !== null && !isInt(r.attempt, INT4_MAX))) {
    return 'saga.step.index or saga.attempt out of range';
  }
  for (const c of TEXT_COLUMNS) if (badText(r[c])) return `${c} holds text that cannot be stored`;
  if (badJson(r.attributesJson) || badJson(r.eventsJson) || badJson(r.resourceJson)) return 'attributes hold text that cannot be stored';
  return null;
}
