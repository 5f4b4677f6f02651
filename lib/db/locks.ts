/**
 * Every PostgreSQL advisory lock sagascope takes, in one table.
 *
 * Advisory locks share one key space per database: two features that pick the
 * same number serialise against each other without anyone noticing (the audit
 * trail and the rollup compaction once both used …002, so audit appends queued
 * behind compaction and a compaction pass was skipped while an append held it).
 * Here a lock's key is derived from its position in LOCK_NAMES, so two names
 * cannot share a key; lib/db/locks.test.ts checks that every `pg_advisory*`
 * call in the repository takes its key from this module.
 *
 * LOCK_NAMES is append-only. A key must not change between versions: during a
 * rolling upgrade an old and a new process must still exclude each other (two
 * UI processes appending to the audit chain, two collectors in phase 2).
 *
 * Prisma's migration engine takes its own session lock (key 72707369) while
 * migrating; it is far from this range.
 */
import type { Sql } from './connection';

/** The range of sagascope's keys (an arbitrary 64-bit prefix, fixed since the first release). */
const LOCK_NAMESPACE = 7310575219633000000n;

/** Append only: a lock's key is NAMESPACE + its position + 1. */
const LOCK_NAMES = [
  /**
   * Once serialised ingest phase 2 and everything that rewrites summaries. Since
   * issue 19 (ADR 0012) writers lock the summary rows of their sagas instead and
   * take this one only in SHARED mode, so they never wait for each other here; a
   * process of an older version takes it exclusively and so still excludes them
   * all during a rolling upgrade, and taking it exclusively from outside pauses
   * every summary writer (tests do).
   */
  'ingestPhase2',
  /** Serialises appends to the hash-chained audit trail (lib/audit/store.ts). */
  'auditChain',
  /** Serialises changes to users, so "at least one active admin remains" holds (lib/auth/user-store.ts). */
  'users',
  /** One rollup compaction at a time, across collectors (lib/stats/rollup-writer.ts). */
  'rollupCompaction',
  /** Creating, converting and dropping span partitions, one process at a time (lib/db/span-partitions.ts). */
  'spanPartitions',
] as const;

export type LockName = (typeof LOCK_NAMES)[number];

/** Key of each lock as an int8 literal (decimal text), ready for SQL. */
export const LOCK_KEYS: Readonly<Record<LockName, string>> = Object.freeze(
  Object.fromEntries(LOCK_NAMES.map((name, i) => [name, String(LOCK_NAMESPACE + BigInt(i + 1))])) as Record<LockName, string>,
);

export const lockNames = (): readonly LockName[] => LOCK_NAMES;

/**
 * The (classid, objid) pair under which pg_locks shows a bigint advisory key
 * (high and low 32 bits), for code that looks at who holds or waits for a lock.
 */
export function lockIdParts(name: LockName): { classid: number; objid: number } {
  const key = BigInt(LOCK_KEYS[name]);
  return { classid: Number(key >> 32n), objid: Number(key & 0xffffffffn) };
}

/** Takes the lock until the caller's transaction ends, waiting for it if need be. */
export async function advisoryXactLock(tx: Sql, name: LockName): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${LOCK_KEYS[name]})`);
}

/** Takes the lock in shared mode until the caller's transaction ends: it waits only for an exclusive holder. */
export async function advisoryXactLockShared(tx: Sql, name: LockName): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_KEYS[name]})`);
}

/** Takes the lock until the caller's transaction ends if it is free; false when someone else holds it. */
export async function tryAdvisoryXactLock(tx: Sql, name: LockName): Promise<boolean> {
  const [row] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK_KEYS[name]}) AS ok`);
  return row?.ok === true;
}
