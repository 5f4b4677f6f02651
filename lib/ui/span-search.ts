/**
 * The trace page's span search: which rows a query matches, and moving between
 * the matches. Pure, over the packed timeline's columns (no row objects).
 *
 * A query is text matched case-insensitively as a substring of a span's name,
 * service or span id, and (on the server, lib/trace/search-store.ts) of its
 * attribute values, status message and event names. A leading qualifier
 * narrows it to one field, as in Jaeger's and Tempo's search boxes:
 * `service:pay`, `name:charge`, `span:00f0`, `attr:ORD-12`.
 */

export type SearchField = 'any' | 'service' | 'name' | 'span' | 'attr';

export interface SpanQuery {
  field: SearchField;
  /** Lowercased, trimmed; empty = no search. */
  text: string;
}

const QUALIFIER = /^(service|name|span|attr):\s*/i;

/** Longest query text kept: a search box is not a place for pasted documents. */
export const MAX_QUERY_LENGTH = 200;

export function parseSpanQuery(raw: string): SpanQuery {
  let s = raw.trim();
  let field: SearchField = 'any';
  const m = QUALIFIER.exec(s);
  if (m) {
    field = m[1]!.toLowerCase() as SearchField;
    s = s.slice(m[0].length);
  }
  return { field, text: s.slice(0, MAX_QUERY_LENGTH).toLowerCase() };
}

/** Whether attribute values must be asked of the server for this query. */
export const needsAttributeSearch = (q: SpanQuery): boolean => q.text.length > 0 && (q.field === 'any' || q.field === 'attr');

export interface SearchColumns {
  strings: readonly string[];
  id: readonly string[];
  label: readonly number[];
  service: readonly number[];
}

/** Rows whose name, service or span id match (the part answered in the browser), in row order. */
export function localMatches(c: SearchColumns, q: SpanQuery): number[] {
  if (q.text.length === 0 || q.field === 'attr') return [];
  // Each distinct string is tested once; rows then compare indices.
  const hit = new Uint8Array(c.strings.length);
  if (q.field !== 'span') for (let s = 0; s < c.strings.length; s++) if (c.strings[s]!.toLowerCase().includes(q.text)) hit[s] = 1;
  const out: number[] = [];
  for (let i = 0; i < c.id.length; i++) {
    const byName = (q.field === 'any' || q.field === 'name') && hit[c.label[i]!] === 1;
    const byService = (q.field === 'any' || q.field === 'service') && hit[c.service[i]!] === 1;
    const bySpan = (q.field === 'any' || q.field === 'span') && c.id[i]!.includes(q.text);
    if (byName || byService || bySpan) out.push(i);
  }
  return out;
}

/** Local matches plus the rows of the span ids the server found, sorted, without duplicates. */
export function mergeMatches(local: readonly number[], serverSpanIds: Iterable<string>, rowOf: (spanId: string) => number): number[] {
  const rows = new Set(local);
  for (const id of serverSpanIds) {
    const r = rowOf(id);
    if (r >= 0) rows.add(r);
  }
  return [...rows].sort((a, b) => a - b);
}

/**
 * The match to go to from `currentRow` (the selected row, -1 for none): the
 * first match after it for `next`, the last before it for `prev`, wrapping
 * around. Returns an index into `matches`, -1 when there are none.
 */
export function stepMatch(matches: readonly number[], currentRow: number, dir: 'next' | 'prev'): number {
  const n = matches.length;
  if (n === 0) return -1;
  // First match at or after currentRow + 1 (binary search).
  let lo = 0;
  let hi = n;
  const target = dir === 'next' ? currentRow + 1 : currentRow;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (matches[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  if (dir === 'next') return lo < n ? lo : 0;
  return lo > 0 ? lo - 1 : n - 1;
}

/** Escapes `%`, `_` and `\` for a LIKE pattern (the server's half of the search). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
