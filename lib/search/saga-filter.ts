/**
 * The saga list's filters as SQL over table `sagas` (DESIGN.md §5): what
 * `GET /api/sagas`, the list page and batch actions select. Pure: it builds
 * text and parameters, lib/db/read.ts runs them.
 *
 * `q` finds a saga by whatever the person has at hand (issue 18): its id whole
 * or by a prefix of at least 6 characters, in any case; a trace id; a span id;
 * or a business-key value (lib/search/keys.ts), in any case. Every branch is
 * an index lookup (migration business_keys says which), and the union of
 * their saga ids drives the join, so a key shared by three sagas among a
 * million costs three index probes, not a scan.
 */
import type { SagaListQuery } from '../api/query';
import { foldKeyValue, MAX_KEY_VALUE_LENGTH } from './keys';
import { cut } from '../ingest/limits';

/** Saga-id prefixes shorter than this match whole ids only (a 2-letter prefix would match everything). */
export const MIN_ID_PREFIX = 6;

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/** A LIKE pattern matching strings that start with `s` (default escape character: backslash). */
export function likePrefix(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

/** Appends a parameter and returns its placeholder. */
function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/** The saga ids `q` matches, as a subquery (see the module comment). */
export function searchSubquery(q: string, params: unknown[]): string {
  const folded = q.toLowerCase();
  const branches: string[] = [];
  branches.push(
    folded.length >= MIN_ID_PREFIX
      ? `SELECT id FROM sagas WHERE lower(id) LIKE ${param(params, likePrefix(folded))}`
      : `SELECT id FROM sagas WHERE lower(id) = ${param(params, folded)}`,
  );
  if (TRACE_ID.test(folded)) branches.push(`SELECT id FROM sagas WHERE trace_ids @> ARRAY[${param(params, folded)}]::text[]`);
  if (SPAN_ID.test(folded)) branches.push(`SELECT saga_id FROM spans WHERE span_id = ${param(params, folded)} AND saga_id IS NOT NULL`);
  branches.push(`SELECT saga_id FROM saga_keys WHERE ${keyValueMatch(q, params)}`);
  return branches.join(' UNION ALL ');
}

/**
 * A stored key value equal to `raw`, in any case. Stored values are capped,
 * then folded (lib/search/keys.ts), so a longer `raw` is compared as stored.
 * Folded two ways: as the collector folds (foldKeyValue, JavaScript's mapping),
 * and by PostgreSQL's lower() in the database's collation, as migration
 * saga_keys_folded folded the rows stored before it. The two differ only
 * outside ASCII (a final sigma, a dotted capital I); the btree probes each
 * distinct value of the list once, so ASCII text costs one probe.
 */
function keyValueMatch(raw: string, params: unknown[]): string {
  const capped = cut(raw, MAX_KEY_VALUE_LENGTH);
  return `value = ANY(ARRAY[${param(params, foldKeyValue(capped))}, lower(${param(params, capped)}::text)])`;
}

/** `key=<name>:<value>`: sagas with that business key (value in any case). */
export function keySubquery(key: { name: string; value: string }, params: unknown[]): string {
  return `SELECT saga_id FROM saga_keys WHERE ${keyValueMatch(key.value, params)} AND ${param(params, key.name)} = ANY(names::text[])`;
}

/**
 * WHERE conditions (ANDed) for the list's filters at `nowMs`; cursor and order
 * are the caller's. The stored summary holds the status at ingest plus one
 * pending transition (status_after at status_changes_at): "effective status is
 * X at now" is (status = X and the change is not due) or (status_after = X and it is).
 */
export function sagaFilterConditions(q: Omit<SagaListQuery, 'limit' | 'cursor'>, nowMs: number, params: unknown[]): string[] {
  const where: string[] = [];
  const now = () => param(params, new Date(nowMs).toISOString());
  if (q.status) {
    const s = param(params, q.status);
    const n = now();
    where.push(`((status = ${s} AND (status_changes_at IS NULL OR status_changes_at > ${n})) OR (status_after = ${s} AND status_changes_at <= ${n}))`);
  }
  if (q.anomaly) {
    const a = param(params, q.anomaly);
    const n = now();
    where.push(`((anomalies @> ARRAY[${a}]::text[] AND (status_changes_at IS NULL OR status_changes_at > ${n})) OR (anomalies_after @> ARRAY[${a}]::text[] AND status_changes_at <= ${n}))`);
  }
  // Prefix matches (`check` finds checkout); in a C-collation database the name index serves them.
  if (q.name) where.push(`name LIKE ${param(params, likePrefix(q.name))}`);
  if (q.service) where.push(`EXISTS (SELECT 1 FROM unnest(services) AS s(service) WHERE s.service LIKE ${param(params, likePrefix(q.service))})`);
  if (q.q) where.push(`id IN (${searchSubquery(q.q, params)})`);
  if (q.key) where.push(`id IN (${keySubquery(q.key, params)})`);
  if (q.from) where.push(`started_at >= ${param(params, q.from.toISOString())}`);
  if (q.to) where.push(`started_at <= ${param(params, q.to.toISOString())}`);
  return where;
}
