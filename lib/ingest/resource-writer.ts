/**
 * Resources (table `resources`) are immutable and content-addressed, and never
 * deleted (retention keeps them: spans of any age may point at them). So once
 * an id is committed it stays, and a collector that has written it can skip
 * it: an SDK repeats the same few resources on every request, and without this
 * every ingest batch paid one more statement and connection checkout for
 * nothing new.
 *
 * They are written in their own short transaction, before the batch's: holding
 * their keys until the span transaction commits would make every concurrent
 * batch of the same services wait on it.
 */
import type { Db } from '../db/connection';
import type { SpanRow } from './span-row';
import { resourceJsonOf } from './copy-block';

/** Ids kept per database handle; past this many the set starts over (a cache miss only costs a no-op insert). */
const MAX_KNOWN = 50_000;
const knownByDb = new WeakMap<Db, Set<string>>();

export async function upsertResources(db: Db, rows: readonly SpanRow[]): Promise<void> {
  let known = knownByDb.get(db);
  if (!known) knownByDb.set(db, (known = new Set()));
  let byId: Map<string, string> | undefined;
  for (const r of rows) {
    if (known.has(r.resourceId) || byId?.has(r.resourceId)) continue;
    (byId ??= new Map()).set(r.resourceId, resourceJsonOf(r));
  }
  if (!byId) return;
  const ids = [...byId.keys()].sort(); // one order everywhere: no deadlocks between writers
  await db.query(
    `INSERT INTO resources (id, attributes) SELECT * FROM unnest($1::text[], $2::jsonb[]) ON CONFLICT (id) DO NOTHING`,
    [ids, ids.map((id) => byId.get(id))],
  );
  if (known.size + ids.length > MAX_KNOWN) known.clear();
  for (const id of ids) known.add(id);
}
