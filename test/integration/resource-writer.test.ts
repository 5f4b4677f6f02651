/**
 * Resources are written once per collector and database handle: a batch whose
 * resources this handle has already committed sends no statement for them, and
 * another handle (another database) still writes its own.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { createScratchDatabase, SPAN_PARTITIONS } from './harness';
import { openMigratedDb } from '../../lib/db/setup';
import { parseConfig } from '../../lib/config/env';
import { upsertResources } from '../../lib/ingest/resource-writer';
import { toSpanRows } from '../../lib/ingest/span-row';
import { makeSpan } from '../support/spans';
import type { Db } from '../../lib/db/connection';

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function countingDb(): Promise<{ db: Db; statements: string[] }> {
  const scratch = await createScratchDatabase();
  const inner = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS }));
  cleanup.push(() => scratch.drop(), () => inner.close());
  const statements: string[] = [];
  const db: Db = {
    ...inner,
    query: (text, params) => (/INSERT INTO resources/.test(text) && statements.push(text), inner.query(text, params)),
  };
  return { db, statements };
}

const rowsOf = (service: string, n = 3) => toSpanRows(Array.from({ length: n }, () => makeSpan({ service })));
const storedIds = (db: Db) => db.query<{ id: string }>(`SELECT id FROM resources ORDER BY id`).then((r) => r.map((x) => x.id));

describe('upsertResources', () => {
  it('writes each resource once per handle and skips the statement when all are known', async () => {
    const { db, statements } = await countingDb();
    const checkout = rowsOf('checkout');
    await upsertResources(db, checkout);
    expect(statements).toHaveLength(1);
    expect(await storedIds(db)).toEqual([checkout[0]!.resourceId]);

    await upsertResources(db, rowsOf('checkout'));
    expect(statements).toHaveLength(1); // nothing new: no statement

    const payment = rowsOf('payment');
    await upsertResources(db, [...rowsOf('checkout'), ...payment]);
    expect(statements).toHaveLength(2);
    expect(await storedIds(db)).toEqual([checkout[0]!.resourceId, payment[0]!.resourceId].sort());
  });

  it('does not let one handle\'s knowledge stand in for another database', async () => {
    const first = await countingDb();
    const second = await countingDb();
    const rows = rowsOf('shared');
    await upsertResources(first.db, rows);
    await upsertResources(second.db, rows);
    expect(await storedIds(second.db)).toEqual([rows[0]!.resourceId]);
  });
});
