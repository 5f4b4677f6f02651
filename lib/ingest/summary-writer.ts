/** Upsert of saga summary rows (table `sagas`) from model output, in one statement. */
import type { Sql } from '../db/connection';
import type { Saga } from '../saga/types';
import { nestedTextElement, numberElement, textElement } from '../db/pg-text';
import { anomalyKinds } from '../saga/anomalies';

/** `rollups[i]`: the encoded rollup contribution of `sagas[i]` (lib/stats/contribution.ts). */
export async function upsertSummaries(sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): Promise<void> {
  await writeSummaries(sql, sagas, nowMs, rollups, 'upsert');
}

/**
 * Inserts the summaries of sagas that have none yet and leaves existing ones
 * alone: the ids inserted. Rows go in id order, so two transactions inserting
 * overlapping sets wait for each other in one order and cannot deadlock; a
 * conflicting row another transaction has not committed yet is waited for, so
 * every id not returned belongs to a committed summary.
 */
export async function insertNewSummaries(sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): Promise<Set<string>> {
  const order = sagas.map((_, i) => i).sort((a, b) => (sagas[a]!.id < sagas[b]!.id ? -1 : sagas[a]!.id > sagas[b]!.id ? 1 : 0));
  const rows = await writeSummaries(sql, order.map((i) => sagas[i]!), nowMs, order.map((i) => rollups[i]!), 'insert');
  return new Set(rows.map((r) => r.id));
}

/**
 * The `sagas` table's columns as the model fills them, declared once: the
 * INSERT's column list, its unnest parameters and their types, the SELECT that
 * turns them into column values, the upsert's SET list and the parameters'
 * encoding all come from this table. Kinds: `text[]` travels as a nested
 * array literal (unnest cannot take ragged 2-D arrays) cast back per row;
 * `time` as epoch ms, turned into timestamptz by to_timestamp; `json` (JSON
 * text, i.e. the encoded rollup contribution, ~750 characters of quotes and
 * digits per saga) as the values joined by a control character JSON text never
 * holds raw, split by string_to_array: as an array literal every quote was
 * escaped here and unescaped by PostgreSQL's array parser, which cost the
 * backend ~15 µs of CPU per saga (a third of the summary insert).
 */
const SAGA_COLUMNS = [
  col('id', 'text', (s) => s.id),
  col('name', 'text', (s) => s.name),
  col('protocol', 'text', (s) => s.protocol),
  col('status', 'text', (s) => s.status),
  col('status_after', 'text', (s) => s.next?.status ?? null),
  col('status_changes_at', 'time', (s) => s.next?.atMs ?? null),
  col('anomalies', 'text[]', (s) => (s.anomalies.length === 0 ? NONE : anomalyKinds(s.anomalies))),
  col('anomalies_after', 'text[]', (s) => (s.next ? s.next.anomalies : NONE)),
  col('started_at', 'time', (s) => s.startMs),
  col('last_span_end_at', 'time', (s) => s.lastEndMs),
  col('duration_ms', 'float8', (s) => s.durationMs),
  col('services', 'text[]', (s) => s.services),
  col('trace_ids', 'text[]', (s) => s.traceIds),
  col('step_count', 'int4', (s) => s.stepCount),
  col('span_count', 'int4', (s) => s.spanCount),
  col('failed_step', 'text', (s) => s.failedStep),
  col('compensation_count', 'int4', (s) => s.compensationCount),
  col('time_to_consistency_ms', 'float8', (s) => s.timeToConsistencyMs),
  col('zero_code', 'bool', (s) => s.zeroCode),
  col('last_activity_at', 'time', (s) => s.lastActivityMs),
  col('rollup', 'json', (_, rollup) => rollup),
  col('repaired_at', 'time', (s) => s.repairedAtMs),
  col('time_to_repair_ms', 'float8', (s) => s.timeToRepairMs),
];
/** Not per saga: the time of the write, the statement's last parameter. */
const WRITTEN_AT = 'updated_at';

type Kind = 'text' | 'text[]' | 'json' | 'int4' | 'float8' | 'bool' | 'time';

interface SagaColumn {
  name: string;
  kind: Kind;
  /** The saga's value as one element of its parameter's array literal. */
  element: (s: Saga, rollup: string | null) => string;
}

function col<V extends string | number | boolean | null | readonly string[]>(name: string, kind: Kind, value: (s: Saga, rollup: string | null) => V): SagaColumn {
  const element =
    kind === 'text' ? (s: Saga, r: string | null) => textElement(value(s, r) as string | null)
    : kind === 'json' ? (s: Saga, r: string | null) => joinedElement(value(s, r) as string | null)
    : kind === 'text[]' ? (s: Saga, r: string | null) => nestedTextElement(value(s, r) as readonly string[])
    : (s: Saga, r: string | null) => numberElement(value(s, r) as number | boolean | null);
  return { name, kind, element };
}

/** `json` values: separated by SEPARATOR, a null is NULL_MARK (see SAGA_COLUMNS). */
const SEPARATOR = '\u001f';
const NULL_MARK = '\u001e';
function joinedElement(json: string | null): string {
  if (json === null) return NULL_MARK;
  // JSON.stringify writes control characters as \u escapes: one raw here is not JSON text.
  if (json.indexOf(SEPARATOR) !== -1 || json.indexOf(NULL_MARK) !== -1) throw new Error('summary column: JSON text with a raw control character');
  return json;
}

const PARAM_TYPE: Record<Exclude<Kind, 'json'>, string> = { text: 'text', 'text[]': 'text', int4: 'int4', float8: 'float8', bool: 'bool', time: 'float8' };
const unnested = (c: SagaColumn, i: number) =>
  c.kind === 'json' ? `string_to_array($${i + 1}::text, chr(31), chr(30))` : `$${i + 1}::${PARAM_TYPE[c.kind]}[]`;
const selected = (c: SagaColumn) => (c.kind === 'time' ? `to_timestamp(${c.name} / 1000.0)` : c.kind === 'text[]' ? `${c.name}::text[]` : c.name);
const NOW_PARAM = `$${SAGA_COLUMNS.length + 1}`;

const INSERT_SUMMARIES = `INSERT INTO sagas (${[...SAGA_COLUMNS.map((c) => c.name), WRITTEN_AT].join(', ')})
     SELECT ${[...SAGA_COLUMNS.map(selected), `to_timestamp(${NOW_PARAM}::float8 / 1000.0)`].join(', ')}
       FROM unnest(${SAGA_COLUMNS.map(unnested).join(', ')})
         AS t(${SAGA_COLUMNS.map((c) => c.name).join(', ')})`;
const ON_CONFLICT = {
  insert: 'ON CONFLICT (id) DO NOTHING RETURNING id',
  upsert: `ON CONFLICT (id) DO UPDATE SET ${[...SAGA_COLUMNS.map((c) => c.name), WRITTEN_AT].filter((n) => n !== 'id').map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
};

async function writeSummaries(
  sql: Sql, sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[], mode: 'upsert' | 'insert',
): Promise<{ id: string }[]> {
  if (sagas.length === 0) return [];
  return sql.query<{ id: string }>(`${INSERT_SUMMARIES}\n     ${ON_CONFLICT[mode]}`, summaryParameters(sagas, nowMs, rollups));
}

/**
 * The statement's parameters: one array literal per column of SAGA_COLUMNS, in
 * order, then the write time. Arrays travel as literals we build
 * (lib/db/pg-text.ts), one string per parameter. One pass over the sagas
 * appends to every column: this runs for every saga ingest touches, and a pass
 * per column (an array and a closure each) cost twice as much.
 */
export function summaryParameters(sagas: readonly Saga[], nowMs: number, rollups: readonly (string | null)[]): (string | number)[] {
  const columns = SAGA_COLUMNS.map(() => '');
  for (let i = 0; i < sagas.length; i++) {
    const s = sagas[i]!;
    const r = rollups[i] ?? null;
    for (let c = 0; c < SAGA_COLUMNS.length; c++) {
      const column = SAGA_COLUMNS[c]!;
      columns[c] += (i === 0 ? '' : column.kind === 'json' ? SEPARATOR : ',') + column.element(s, r);
    }
  }
  return [...columns.map((body, c) => (SAGA_COLUMNS[c]!.kind === 'json' ? body : '{' + body + '}')), nowMs];
}

const NONE: readonly string[] = Object.freeze([]);
