/**
 * Audit appends and rollup compaction each serialise on an advisory lock of
 * their own (lib/db/locks.ts). They once shared one key: appends queued behind
 * a compaction, and a periodic compaction pass was skipped while an append's
 * transaction was open. Here, on a real PostgreSQL server, each side is held in
 * the middle of its transaction and the other must still get through.
 *
 * The test deliberately does not import the lock keys: it drives the real
 * functions (appendAudit, compactRollups) and watches the server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createScratchDatabase, SPAN_PARTITIONS } from './harness';
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import type { Db } from '../../lib/db/connection';
import { appendAudit, verifyAuditChain } from '../../lib/audit/store';
import { compactRollups } from '../../lib/stats/rollup-writer';

const WAIT_MS = 5_000;
const ACTOR = { actor: 'alice', role: 'admin', via: 'session' } as const;

let db: Db;
let url: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const scratch = await createScratchDatabase(); // the real server: PGlite has one backend and no lock waits to show
  url = scratch.url;
  drop = scratch.drop;
  db = await openMigratedDb(parseConfig({ DATABASE_URL: url, SAGASCOPE_DB_POOL_SIZE: '6', SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS }));
});
afterAll(async () => {
  await db?.close();
  await drop?.();
});
beforeEach(async () => {
  await db.query('DELETE FROM rollup_counts_delta');
});

/** `p`, or a failure naming what was still waiting after WAIT_MS (the promise is left to settle later). */
function within<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** One pending rollup change for the compaction to fold. */
async function pendingChange(calls = 1): Promise<void> {
  await db.query(
    `INSERT INTO rollup_counts_delta (series, minute, saga_name, k1, k2, k3, calls, errors, retries, extra)
     VALUES (0, date_trunc('minute', now()), 'checkout', '', '', '', $1, 0, 0, 0)`,
    [calls],
  );
}

/** Polls pg_stat_activity (bounded) until a backend waits on a lock while running a statement matching `like`. */
async function backendWaitingOn(observer: pg.Client, like: string): Promise<number> {
  for (let waited = 0; waited <= 10_000; waited += 25) {
    const { rows } = await observer.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`, [like]);
    if (rows[0]) return rows[0].pid;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no backend waits on a lock running ${like}`);
}

describe('audit appends and rollup compaction do not block each other', () => {
  it('two concurrent audit appends complete while a compaction is in the middle of its transaction', async () => {
    await pendingChange();
    const blocker = new pg.Client({ connectionString: url });
    const observer = new pg.Client({ connectionString: url });
    await blocker.connect();
    await observer.connect();
    let compaction: Promise<unknown> | null = null;
    let appends: Promise<unknown> | null = null;
    try {
      // A row lock on the pending change stops the compaction inside its transaction, after it took its lock.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM rollup_counts_delta FOR UPDATE');
      compaction = compactRollups(db);
      const pid = await backendWaitingOn(observer, '%DELETE FROM rollup_counts_delta%');
      const { rows: held } = await observer.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND granted`, [pid]);
      expect(held[0]!.n, 'the compaction holds its advisory lock while it waits').toBe(1);

      const both = Promise.all([
        appendAudit(db, { ...ACTOR, action: 'test.during_compaction', request: { n: 1 }, outcome: 'ok' }),
        appendAudit(db, { ...ACTOR, action: 'test.during_compaction', request: { n: 2 }, outcome: 'ok' }),
      ]);
      appends = both;
      const entries = await within('two audit appends during a compaction', both);
      expect(entries.map((e) => e.seq).sort()).toEqual([1, 2]);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, entries: 2 });

      await blocker.query('COMMIT');
      expect(await within('the compaction once released', compaction)).toMatchObject({ moved: 1 });
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await blocker.end();
      await observer.end();
      await Promise.allSettled([compaction, appends]);
    }
  });

  it('a compaction pass folds the pending changes while an audit append\'s transaction is open', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let appended!: () => void;
    const inside = new Promise<void>((r) => (appended = r));
    // appendAudit(tx, …) holds the audit lock until the caller's transaction ends (an action's intent, say).
    const auditTx = db.transaction(async (tx) => {
      const entry = await appendAudit(tx, { ...ACTOR, action: 'test.open_transaction', outcome: 'intent' });
      appended();
      await gate;
      return entry;
    });
    try {
      await within('the audit append inside its transaction', inside);
      await pendingChange(3);
      // The collector's periodic pass gives way only to another compaction, not to the audit trail.
      expect(await within('a periodic compaction pass', compactRollups(db))).toMatchObject({ moved: 1 });
      await pendingChange(4);
      // The waiting kind (shutdown, bulk loads) does not queue behind it either.
      expect(await within('a waiting compaction', compactRollups(db, { wait: true }))).toMatchObject({ moved: 1 });
      const [row] = await db.query<{ calls: number }>(`SELECT sum(calls)::int AS calls FROM rollup_counts WHERE saga_name = 'checkout'`);
      expect(row!.calls).toBeGreaterThanOrEqual(7);
    } finally {
      release();
    }
    expect((await auditTx).outcome).toBe('intent');
  });
});
