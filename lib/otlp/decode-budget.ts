/**
 * Decode budgets (issue 15, DESIGN.md §6): how much a request may make the
 * decoders build, checked while decoding, before the values are allocated. A
 * few bytes can describe a lot: 58 KB of gzip'd JSON unpacked to 20 M empty
 * array values and held the collector (and the UI in its process) for 71 s;
 * 57 KB of protobuf held 30 M. The budgets bound the work of any request by
 * its size, whatever its shape.
 *
 * A request over a budget is refused whole (400 / INVALID_ARGUMENT; too many
 * spans: 413 / RESOURCE_EXHAUSTED, as before), with a message naming the
 * budget and its setting: JSON must be refused before JSON.parse allocates,
 * when no span boundary is known yet, and both encodings answer alike. Only
 * nesting deeper than `maxDepth` inside a span's values rejects that span
 * alone (partial success), as it always did.
 */
import { DecodeError } from './types';

export interface DecodeBudgets {
  /** Spans per request (SAGASCOPE_MAX_SPANS_PER_REQUEST). */
  maxSpansPerRequest: number;
  /** Entries of one list: attributes, an array value, a key-value list, the events of a span. */
  maxListValues: number;
  /**
   * Values per request. Protobuf: every attribute (key-value), value inside one
   * (array element, key-value list entry) and event. JSON: every JSON value
   * (object, array, string, number, literal) — what JSON.parse would allocate.
   */
  maxValues: number;
  /** Nesting of array / key-value list values inside an attribute. */
  maxDepth: number;
}

export const DEFAULT_DECODE_BUDGETS: DecodeBudgets = {
  maxSpansPerRequest: 100_000,
  maxListValues: 10_000,
  maxValues: 1_000_000,
  maxDepth: 32,
};

/** Which budget a request went over (the label of sagascope_decode_budget_exceeded_total). */
export type BudgetKind = 'spans' | 'list_values' | 'values' | 'depth' | 'bytes';

/** The setting that raises each budget, named in refusals so an operator knows what to change. */
export const BUDGET_SETTINGS: Record<BudgetKind, string> = {
  spans: 'SAGASCOPE_MAX_SPANS_PER_REQUEST',
  list_values: 'SAGASCOPE_DECODE_MAX_LIST_VALUES',
  values: 'SAGASCOPE_DECODE_MAX_VALUES',
  depth: 'SAGASCOPE_DECODE_MAX_DEPTH',
  bytes: 'SAGASCOPE_MAX_REQUEST_BYTES',
};

export class BudgetExceeded extends DecodeError {
  constructor(
    readonly budget: BudgetKind,
    what: string,
  ) {
    super(`${what} (${BUDGET_SETTINGS[budget]}; send smaller batches)`);
    this.name = 'BudgetExceeded';
  }
}

export const listBudgetExceeded = (limit: number) =>
  new BudgetExceeded('list_values', `decode budget exceeded: a list (attributes, array value, key-value list or events) holds more than ${limit} entries`);
export const valueBudgetExceeded = (limit: number) =>
  new BudgetExceeded('values', `decode budget exceeded: more than ${limit} values in one request`);
export const spanBudgetExceeded = (limit: number) =>
  new BudgetExceeded('spans', `more than ${limit} spans in one request; at most ${limit}`);
