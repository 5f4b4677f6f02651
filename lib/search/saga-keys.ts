/**
 * A saga's business keys as its page and `/api/sagas/{id}` show them: extracted
 * from the saga's stored spans and their resources by the KeyExtractor ingest
 * uses (./keys.ts), so the page lists what the spans say under this process's
 * SAGASCOPE_KEY_ATTRIBUTES. Table saga_keys is the search index of `q` and
 * `key=`, with one index led by the value (ADR 0016); it is not read by saga id.
 *
 * PostgreSQL picks each span's candidate attributes (a listed name or
 * `saga.key.*`, a string or number value) out of its jsonb, one row per
 * distinct set and resource, so only those cross the wire; the extractor then
 * runs per span with its resource's keys, as on ingest, so the same cleaning
 * and the same cap per span apply. (jsonb orders a span's attributes by name
 * length, not as sent: of a span with more than MAX_KEYS_PER_SPAN keys, the page
 * may list others than ingest indexed.) Spans are read through
 * (saga_id, start_time) and cut at `maxSpans`, the earliest first, as the
 * model cuts an oversized saga (lib/saga/span-store.ts).
 */
import type { Sql } from '../db/connection';
import { arrayLiteral } from '../db/pg-text';
import type { Attributes } from '../otlp/types';
import { KEY_ATTRIBUTE_PREFIX, keyExtractorFor, type BusinessKey } from './keys';
import { compareText } from './key-writer';

/** The page lists at most this many keys (a sender may attach up to 32 to each span). */
export const MAX_KEYS_SHOWN = 200;

const candidates = (attributes: string) => `(
  SELECT jsonb_object_agg(a.key, a.value) FROM jsonb_each(${attributes}) AS a
   WHERE (a.key = ANY($3::text[]) OR starts_with(a.key, '${KEY_ATTRIBUTE_PREFIX}'))
     AND jsonb_typeof(a.value) IN ('string', 'number'))::text`;

const SAGA_KEY_CANDIDATES = `
  WITH s AS (SELECT attributes, resource_id FROM spans WHERE saga_id = $1 ORDER BY start_time LIMIT $2),
       sk AS (SELECT DISTINCT ${candidates('s.attributes')} AS attrs, s.resource_id FROM s)
  SELECT false AS resource, attrs, resource_id AS id FROM sk
  UNION ALL
  SELECT true, ${candidates('r.attributes')}, r.id FROM resources r WHERE r.id IN (SELECT resource_id FROM sk)`;

/**
 * The keys of saga `sagaId`, by name then value, at most MAX_KEYS_SHOWN.
 * `keyAttributes`: SAGASCOPE_KEY_ATTRIBUTES as parsed (null: keys are off, none shown).
 */
export async function keysOfSagaSpans(
  sql: Sql, sagaId: string, keyAttributes: readonly string[] | null, maxSpans: number,
): Promise<BusinessKey[]> {
  if (keyAttributes === null) return [];
  const rows = await sql.query<{ resource: boolean; attrs: string | null; id: string }>(
    SAGA_KEY_CANDIDATES, [sagaId, maxSpans, arrayLiteral(keyAttributes)],
  );
  const extractor = keyExtractorFor(keyAttributes);
  const attributes = (text: string | null): Attributes => (text === null ? {} : (JSON.parse(text) as Attributes));
  const resourceKeys = new Map<string, string[] | null>();
  for (const r of rows) if (r.resource) resourceKeys.set(r.id, extractor.extract(attributes(r.attrs)));
  const seen = new Map<string, BusinessKey>();
  for (const r of rows) {
    if (r.resource) continue;
    const flat = extractor.extract(attributes(r.attrs), resourceKeys.get(r.id) ?? null);
    for (let i = 0; flat !== null && i < flat.length; i += 2) {
      const id = flat[i] + '\u0000' + flat[i + 1];
      if (!seen.has(id)) seen.set(id, { name: flat[i]!, value: flat[i + 1]! });
    }
  }
  return [...seen.values()].sort((a, b) => compareText(a.name, b.name) || compareText(a.value, b.value)).slice(0, MAX_KEYS_SHOWN);
}
