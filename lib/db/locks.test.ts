import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { LOCK_KEYS, lockIdParts, lockNames, type LockName } from './locks';

const ROOT = path.resolve(__dirname, '../..');
const SELF = path.join('lib', 'db', 'locks.test.ts');
const MODULE = path.join('lib', 'db', 'locks.ts');
const SKIP_DIRS = new Set(['node_modules', '.next', '.git', '.data', 'generated', 'test-results', 'playwright-report', 'coverage']);
const SOURCE = /\.(ts|tsx|js|mjs|cjs|sql)$/;

function sourceFiles(dir = ROOT, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) sourceFiles(path.join(dir, entry.name), out);
    } else if (SOURCE.test(entry.name)) out.push(path.join(dir, entry.name));
  }
  return out;
}

/** A call of any advisory-lock function (lock, try, unlock; session or transaction; shared or not). */
const CALL = /pg_(?:try_)?advisory_[a-z_]*\(([^)]*)\)/g;
const FROM_MODULE = /^\$\{LOCK_KEYS\.([A-Za-z0-9]+)\}$/;

/** The advisory-lock calls in `text` whose key is not one of LOCK_KEYS (`unlock_all()` takes none). */
function foreignKeyCalls(text: string): string[] {
  const bad: string[] = [];
  for (const m of text.matchAll(CALL)) {
    const arg = m[1]!.trim();
    if (arg === '' && m[0].startsWith('pg_advisory_unlock_all')) continue;
    const key = FROM_MODULE.exec(arg);
    if (!key || !(lockNames() as readonly string[]).includes(key[1]!)) bad.push(m[0]);
  }
  return bad;
}

describe('advisory-lock keys (lib/db/locks.ts)', () => {
  it('are unique, and keep the values released versions use', () => {
    const names = lockNames();
    expect(new Set(names).size).toBe(names.length);
    const keys = names.map((n) => LOCK_KEYS[n]);
    expect(new Set(keys).size).toBe(keys.length);
    // Pinned: a running older process must keep excluding a newer one. Append new locks; never reorder.
    expect(LOCK_KEYS).toEqual({
      ingestPhase2: '7310575219633000001',
      auditChain: '7310575219633000002',
      users: '7310575219633000003',
      rollupCompaction: '7310575219633000004',
      spanPartitions: '7310575219633000005',
    } satisfies Record<LockName, string>);
    for (const k of keys) expect(BigInt(k) < 2n ** 63n).toBe(true); // an int8
  });

  it('the audit chain and the rollup compaction no longer share a key', () => {
    expect(LOCK_KEYS.auditChain).not.toBe(LOCK_KEYS.rollupCompaction);
  });

  it('pg_locks shows a key as its high and low 32 bits', () => {
    for (const name of lockNames()) {
      const { classid, objid } = lockIdParts(name);
      expect((BigInt(classid) << 32n) + BigInt(objid)).toBe(BigInt(LOCK_KEYS[name]));
    }
  });

  it('the scan below recognises a key that is not from the module', () => {
    expect(foreignKeyCalls('SELECT pg_advisory_xact_lock(7310575219633000002)')).toHaveLength(1);
    expect(foreignKeyCalls('SELECT pg_try_advisory_xact_lock(${COMPACT_LOCK}) AS ok')).toHaveLength(1);
    expect(foreignKeyCalls('pg_advisory_lock(hashtext(saga_id))')).toHaveLength(1);
    expect(foreignKeyCalls('pg_advisory_lock(${LOCK_KEYS.noSuchLock})')).toHaveLength(1);
    expect(foreignKeyCalls('SELECT pg_advisory_unlock(${LOCK_KEYS.ingestPhase2})')).toEqual([]);
    expect(foreignKeyCalls('SELECT pg_advisory_unlock_all()')).toEqual([]);
  });

  it('every pg_advisory* call in the repository takes its key from the module, and no key is written out elsewhere', () => {
    const files = sourceFiles();
    expect(files.map((f) => path.relative(ROOT, f))).toContain(path.join('lib', 'ingest', 'span-writer.ts')); // the walk reached the sources
    const offenders: string[] = [];
    let calls = 0;
    for (const file of files) {
      const rel = path.relative(ROOT, file);
      if (rel === SELF || rel === MODULE) continue;
      const text = fs.readFileSync(file, 'utf8');
      calls += [...text.matchAll(CALL)].length;
      for (const call of foreignKeyCalls(text)) offenders.push(`${rel}: ${call}`);
      if (text.includes('7310575219633')) offenders.push(`${rel}: a key written out (use LOCK_KEYS)`);
    }
    expect(offenders).toEqual([]);
    expect(calls).toBeGreaterThan(0); // the tests that hold the ingest lock from outside are among them
  });
});
