/**
 * The wire form of timeline columns (lib/ui/timeline-columns.ts), with a
 * saga's compensation chain when it has one (lib/ui/chain-wire.ts): what the
 * saga page carries inline, what GET /api/sagas/<id>/timeline answers for a
 * large saga, and what the trace page carries. Every column is an IntColumn
 * (lib/ui/int-column.ts): a saga's rows are mostly runs and steady climbs,
 * and times are already whole microseconds, so they delta- and run-encode. As
 * plain columns a 50,000-row timeline was 2.9 MiB.
 *
 * The server encodes once per cached view; the browser decodes with
 * decodeTimelineWire, checking as it goes (the body comes off the network),
 * into the columns the timeline reads its rows from.
 */
import { OPS } from '../saga/types';
import type { CompensationChain } from '../saga-view/chain';
import { encodeChainWire, type ChainWire } from './chain-wire';
import { decodeIntColumn, encodeIntColumn, type IntColumn } from './int-column';
import { TIMELINE_OUTCOMES, TIMELINE_TONES, type TimelineColumns } from './timeline-columns';

export const TIMELINE_WIRE_VERSION = 3;

export interface TimelineWire {
  v: typeof TIMELINE_WIRE_VERSION;
  /** Rows. */
  n: number;
  t0: number;
  strings: string[];
  /**
   * Span ids as a JSON array: one joined string was 0.15 MiB smaller (before
   * compression) but cutting it up in the browser took longer than JSON.parse
   * makes the same strings natively.
   */
  id: string[];
  trace: IntColumn;
  label: IntColumn;
  service: IntColumn;
  op: IntColumn;
  attempt: IntColumn;
  /** Microseconds after t0. */
  startUs: IntColumn;
  durationUs: IntColumn;
  depth: IntColumn;
  stepIndex: IntColumn;
  tone: IntColumn;
  outcome: IntColumn;
  errors: Array<[number, number]>;
  manual: number[];
  /** The saga's compensation chain, pointing into these rows (built on the server only). */
  chain?: ChainWire;
}

/** `chain`, when given, must point into `c`'s rows. */
export function encodeTimelineWire(c: TimelineColumns, chain?: CompensationChain): TimelineWire {
  return {
    v: TIMELINE_WIRE_VERSION,
    n: c.id.length,
    t0: c.t0,
    strings: c.strings,
    id: c.id,
    trace: encodeIntColumn(c.trace),
    label: encodeIntColumn(c.label),
    service: encodeIntColumn(c.service),
    op: encodeIntColumn(c.op),
    attempt: encodeIntColumn(c.attempt),
    startUs: encodeIntColumn(c.startUs),
    durationUs: encodeIntColumn(c.durationUs),
    depth: encodeIntColumn(c.depth),
    stepIndex: encodeIntColumn(c.stepIndex),
    tone: encodeIntColumn(c.tone),
    outcome: encodeIntColumn(c.outcome),
    errors: c.errors,
    manual: c.manual,
    ...(chain ? { chain: encodeChainWire(chain) } : {}),
  };
}

/**
 * A wire body back to columns, checked (throws on anything malformed): every
 * column of the right length, every index inside its table, so the row code
 * can trust them. The chain stays encoded (decodeChainWire, when the page has
 * settled). Written out instead of a zod schema because this runs in the
 * browser: zod would add ~100 KB of script that a first visit compiles before
 * the page hydrates, and element-wise schemas over 50,000 rows cost 2–5× the
 * JSON parse itself.
 */
export function decodeTimelineWire(input: unknown): { columns: TimelineColumns; chain: unknown } {
  const fail = (what: string): never => {
    throw new Error(`timeline body: ${what}`);
  };
  if (typeof input !== 'object' || input === null) return fail('not an object');
  const w = input as Record<string, unknown>;
  if (w.v !== TIMELINE_WIRE_VERSION) fail(`unknown version ${String(w.v)}`);
  const n = w.n;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return fail('bad row count');
  if (typeof w.t0 !== 'number' || !Number.isFinite(w.t0)) fail('bad t0');
  const strings = Array.isArray(w.strings) ? (w.strings as unknown[]) : fail('strings is not an array');
  for (const s of strings) if (typeof s !== 'string') fail('bad string table');
  const id = Array.isArray(w.id) ? (w.id as unknown[]) : fail('id is not an array');
  if (id.length !== n) fail(`${id.length} ids, expected ${n}`);
  for (const v of id) if (typeof v !== 'string') fail('bad id');
  const lastString = strings.length - 1;
  const col = (name: string, min?: number, max?: number) => decodeIntColumn(w[name], n, name, min, max);
  const isRow = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n;
  const errors = Array.isArray(w.errors) ? (w.errors as unknown[]) : fail('errors is not an array');
  for (const e of errors) {
    if (!Array.isArray(e) || e.length !== 2 || !isRow(e[0]) || !Number.isInteger(e[1]) || e[1] < 0 || e[1] > lastString) fail('bad error entry');
  }
  const manual = Array.isArray(w.manual) ? (w.manual as unknown[]) : fail('manual is not an array');
  for (const row of manual) if (!isRow(row)) fail('bad manual row');
  const columns: TimelineColumns = {
    t0: w.t0 as number,
    strings: strings as string[],
    id: id as string[],
    trace: col('trace', 0, lastString),
    label: col('label', 0, lastString),
    service: col('service', 0, lastString),
    op: col('op', -1, OPS.length - 1),
    attempt: col('attempt', 0),
    // Offsets from t0 (no row starts before it) and durations are never negative.
    startUs: col('startUs', 0),
    durationUs: col('durationUs', 0),
    depth: col('depth', 0),
    stepIndex: col('stepIndex', -1),
    tone: col('tone', 0, TIMELINE_TONES.length - 1),
    outcome: col('outcome', 0, TIMELINE_OUTCOMES.length - 1),
    errors: errors as Array<[number, number]>,
    manual: manual as number[],
  };
  return { columns, chain: w.chain ?? null };
}
