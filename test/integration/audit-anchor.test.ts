/**
 * Audit anchors on the real PostgreSQL: signed checkpoints of the chain's head
 * (on export, on the schedule of `npm start`), and what they catch when an
 * attacker with the database's rights disables the triggers: a deleted tail and
 * a chain re-hashed with the project's own hash function walk cleanly, but
 * `audit:verify` (exit 1) and GET /api/audit/verify name them and the
 * checkpoint; deleted checkpoints are caught by the witness file; a deleted
 * tail's sequence numbers are never issued again.
 *
 * The signing key is the test run's SAGASCOPE_AUDIT_KEY (vitest.config.mts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createScratchDatabase, eventually, SPAN_PARTITIONS, startTestEnv } from './harness';
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import { setSharedDb, type Db } from '../../lib/db/connection';
import { appendAudit, auditHead, auditRowToEntry, verifyAuditChain, type VerifyReport } from '../../lib/audit/store';
import { hashEntry } from '../../lib/audit/chain';
import { CheckpointSigner, decodeKeyBytes, type SignedCheckpoint } from '../../lib/audit/checkpoint';
import { checkpointAuditHead } from '../../lib/audit/anchor';
import { createToken } from '../../lib/auth/accounts';
import { startAuditCheckpoints } from '../../server/audit-checkpoints';
import { apiRequest } from '../support/api-client';
import { runCli, type CliResult } from '../support/cli';
import * as verifyRoute from '../../app/api/audit/verify/route';
import * as exportRoute from '../../app/api/export/route';

const SYSTEM = { actor: 'test', role: 'system', via: 'system' };
const ALICE = { actor: 'alice', role: 'operator', via: 'session' };
const signer = CheckpointSigner.fromSeed(decodeKeyBytes(process.env.SAGASCOPE_AUDIT_KEY ?? '')!);

interface Trail {
  db: Db;
  url: string;
  token: string;
  close(): Promise<void>;
}

const open: Trail[] = [];
let dir: string;

beforeAll(() => {
  if (!process.env.SAGASCOPE_AUDIT_KEY) throw new Error('vitest.config.mts sets SAGASCOPE_AUDIT_KEY for the integration tests');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sagascope-anchor-'));
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A scratch database whose trail has `entries` entries after the auditor token's own. */
async function freshTrail(entries: number): Promise<Trail> {
  const scratch = await createScratchDatabase();
  const db = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_DB_POOL_SIZE: '3', SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS }));
  setSharedDb(db);
  const token = (await createToken(db, SYSTEM, { name: 'auditor', role: 'auditor' })).token;
  for (let i = 0; i < entries; i++) await appendAudit(db, { ...ALICE, action: 'saga.retry', sagaId: `saga-${i}`, request: { i }, outcome: 'ok' });
  const trail = {
    db,
    url: scratch.url,
    token,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
  open.push(trail);
  return trail;
}

/** Runs SQL as the attacker: the table owner with every audit trigger disabled. */
async function asAttacker(t: Trail, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  const tables = ['audit_log', 'audit_chain_head', 'audit_checkpoints'];
  try {
    for (const table of tables) await c.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    await fn(c);
  } finally {
    for (const table of tables) await c.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    await c.end();
  }
}

async function checkpoint(t: Trail, witnessFile: string | null = null): Promise<SignedCheckpoint & { id: number }> {
  const r = await checkpointAuditHead(t.db, 'manual', { signer, witnessFile });
  if (r.status !== 'written') throw new Error(`expected a checkpoint, got ${JSON.stringify(r)}`);
  return { ...r.checkpoint, id: r.id };
}

async function apiVerify(t: Trail): Promise<VerifyReport> {
  setSharedDb(t.db);
  const res = await verifyRoute.GET(apiRequest('GET', '/api/audit/verify', { bearer: t.token }));
  expect(res.status).toBe(200);
  return (await res.json()) as VerifyReport;
}

const cliVerify = (t: Trail, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli('cli/audit-verify.ts', args, { DATABASE_URL: t.url, ...env });

/** Rewrites entry `from` (actor → mallory) and re-hashes every entry after it, as a forger with the hash function would. */
async function rehashFrom(t: Trail, from: number): Promise<void> {
  await asAttacker(t, async (c) => {
    const { rows } = await c.query(
      `SELECT seq::text AS seq, at, actor, role, via, action, saga_id, step, request::text AS request, result::text AS result, outcome, reason, ref::text AS ref, prev_hash, hash
       FROM audit_log WHERE seq >= $1 ORDER BY seq`,
      [from],
    );
    let prev: string | null = null;
    for (const row of rows) {
      const e = auditRowToEntry(row);
      const fields = { ...e, actor: e.seq === from ? 'mallory' : e.actor, prevHash: prev ?? e.prevHash };
      const { hash: _old, ...unhashed } = fields;
      const hash = hashEntry(unhashed);
      await c.query('UPDATE audit_log SET actor = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [e.seq, fields.actor, fields.prevHash, hash]);
      prev = hash;
    }
    // A thorough forger moves the high-water mark to the forged head too.
    await c.query('UPDATE audit_chain_head SET hash = $1', [prev]);
  });
}

describe('checkpoints are written', () => {
  it('by every export: a signed checkpoint of the head that covers the export’s own entry, also logged', async () => {
    const t = await freshTrail(3);
    const logged: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    try {
      const res = await exportRoute.GET(apiRequest('GET', '/api/export?kind=audit&format=ndjson', { bearer: t.token }));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    } finally {
      spy.mockRestore();
    }
    const head = await auditHead(t.db);
    const rows = await t.db.query<{ seq: string; hash: string; reason: string; key_id: string }>('SELECT seq::text AS seq, hash, reason, key_id FROM audit_checkpoints');
    expect(rows).toEqual([{ seq: String(head.seq), hash: head.hash, reason: 'export', key_id: signer.keyId }]);
    const [last] = await t.db.query<{ action: string; outcome: string }>('SELECT action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1');
    expect(last).toEqual({ action: 'export', outcome: 'ok' });
    const line = logged
      .flatMap((chunk) => chunk.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'audit checkpoint');
    expect(line).toMatchObject({ sagascopeAuditCheckpoint: 1, seq: head.seq, hash: head.hash, reason: 'export', keyId: signer.keyId });
    const report = await apiVerify(t);
    expect(report).toMatchObject({ ok: true, anchor: { checkpoints: 1, problemCount: 0, latest: { seq: head.seq, reason: 'export' } } });
  });

  it('on npm start’s schedule: at start, when the head moved, not when it did not, and at shutdown; each also in the witness file', async () => {
    const t = await freshTrail(2);
    const witness = path.join(dir, 'schedule-witness.jsonl');
    const config = parseConfig({
      DATABASE_URL: t.url,
      SAGASCOPE_AUDIT_KEY: process.env.SAGASCOPE_AUDIT_KEY,
      SAGASCOPE_AUDIT_WITNESS_FILE: witness,
      SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS: '1000',
    });
    const rows = () => t.db.query<{ seq: string; reason: string; signature: string }>('SELECT seq::text AS seq, reason, signature FROM audit_checkpoints ORDER BY id');
    const schedule = startAuditCheckpoints(t.db, config);
    try {
      const start = (await auditHead(t.db)).seq;
      await eventually(async () => expect((await rows()).map((r) => [Number(r.seq), r.reason])).toEqual([[start, 'schedule']]));
      await appendAudit(t.db, { ...ALICE, action: 'user.create', outcome: 'ok' });
      await eventually(async () => expect((await rows()).map((r) => Number(r.seq))).toEqual([start, start + 1]), 5_000);
      // Two whole passes with the head unchanged (the second cannot join one that began before): no new checkpoint.
      await schedule.task.runNow();
      await schedule.task.runNow();
      expect(await rows()).toHaveLength(2);
      await appendAudit(t.db, { ...ALICE, action: 'user.create', outcome: 'ok' });
    } finally {
      await schedule.stop();
    }
    const all = await rows();
    expect(all.at(-1)).toMatchObject({ seq: String((await auditHead(t.db)).seq) });
    // The last one is written by stop(), unless a scheduled pass took the head first.
    expect(['shutdown', 'schedule']).toContain(all.at(-1)!.reason);
    const lines = fs.readFileSync(witness, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { signature: string });
    expect(lines.map((l) => l.signature)).toEqual(all.map((r) => r.signature));
    const report = await verifyAuditChain(t.db, { anchor: { verifier: signer.verifier, missingKey: null, witnessFile: witness } });
    expect(report).toMatchObject({ ok: true, anchor: { checkpoints: all.length, problemCount: 0, witness: { checkpoints: all.length, error: null } } });
  });
});

describe('sequence numbers', () => {
  it('the next entry follows the numerically highest head: a checkpoint at 9 and rows past 10 issue 11, 12 (as text "9" > "10")', async () => {
    const t = await freshTrail(8);
    await checkpoint(t);
    for (let i = 0; i < 2; i++) await appendAudit(t.db, { ...ALICE, action: 'saga.retry', outcome: 'ok' });
    const seqs = [];
    for (let i = 0; i < 3; i++) seqs.push((await appendAudit(t.db, { ...ALICE, action: 'saga.retry', outcome: 'ok' })).seq);
    expect(seqs.map(Number)).toEqual([12, 13, 14]);
  });
});

describe('tampering with the triggers disabled', () => {
  it('a deleted tail (high-water mark lowered too) is named by the API and by audit:verify (exit 1) with the checkpoint; seqs are not reused', async () => {
    const t = await freshTrail(8);
    const cp = await checkpoint(t);
    const head = cp.seq;
    await asAttacker(t, async (c) => {
      await c.query('DELETE FROM audit_log WHERE seq > $1', [head - 3]);
      await c.query(`UPDATE audit_chain_head SET seq = seq_row.seq, hash = seq_row.hash FROM (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS seq_row`);
    });
    const expected = `truncated tail: entries ${head - 2}..${head} missing since checkpoint at ${cp.at} (checkpoint #${cp.id}, manual, key ${signer.keyId})`;

    const api = await apiVerify(t);
    expect(api.entries).toBe(head - 3); // the shortened chain itself walks cleanly
    expect(api).toMatchObject({ ok: false, firstBroken: { seq: head - 2, reason: expected } });
    expect(api.anchor.problems[0]).toEqual({ kind: 'truncated', seq: head - 2, reason: expected });

    const cli = await cliVerify(t);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`audit trail BROKEN at entry ${head - 2}: ${expected}`);

    // Nothing signs the shortened trail.
    expect(await checkpointAuditHead(t.db, 'manual', { signer })).toMatchObject({ status: 'refused', reason: expect.stringContaining(`covers entry ${head}`) });

    // The next entry continues after the checkpointed head: the deleted numbers stay a gap.
    const next = await appendAudit(t.db, { ...ALICE, action: 'saga.retry', outcome: 'ok' });
    expect(next.seq).toBe(head + 1);
    expect(next.prevHash).toBe(cp.hash);
    expect((await apiVerify(t)).firstBroken).toMatchObject({ seq: head - 2, reason: expect.stringMatching(`entry ${head - 2} is missing`) });
  });

  it('without any checkpoint, the high-water mark still names a deleted tail and keeps its numbers from being issued again', async () => {
    const t = await freshTrail(5);
    const head = (await auditHead(t.db)).seq;
    await asAttacker(t, (c) => c.query('DELETE FROM audit_log WHERE seq > $1', [head - 2]).then(() => undefined));
    const api = await apiVerify(t);
    expect(api).toMatchObject({ ok: false, firstBroken: { seq: head - 1, reason: expect.stringMatching(`^truncated tail: entries ${head - 1}..${head} missing \\(entry ${head} was issued`) } });
    const next = await appendAudit(t.db, { ...ALICE, action: 'saga.retry', outcome: 'ok' });
    expect(next.seq).toBe(head + 1);
  });

  it('a chain re-hashed from some entry on is named at the first checkpoint it contradicts; a checkpoint edited to match has a bad signature', async () => {
    const t = await freshTrail(10);
    const early = await checkpoint(t); // before the forgery's start: still matches
    for (let i = 0; i < 3; i++) await appendAudit(t.db, { ...ALICE, action: 'saga.compensate', outcome: 'ok' });
    const middle = await checkpoint(t);
    for (let i = 0; i < 3; i++) await appendAudit(t.db, { ...ALICE, action: 'saga.compensate', outcome: 'ok' });
    const latest = await checkpoint(t);
    await rehashFrom(t, early.seq + 1);

    const chainOnly = await verifyAuditChain(t.db, { anchor: { verifier: null, missingKey: null, witnessFile: null } });
    expect(chainOnly.entries).toBe(latest.seq); // the forged chain links from the genesis to its head

    const expected = `re-hashed chain: entry ${middle.seq} differs from checkpoint signed at ${middle.at} (checkpoint #${middle.id}, manual, key ${signer.keyId})`;
    const api = await apiVerify(t);
    expect(api).toMatchObject({ ok: false, firstBroken: { seq: middle.seq, reason: expected } });
    expect(api.anchor.problems.map((p) => [p.kind, p.seq])).toEqual([
      ['re-hashed', middle.seq],
      ['re-hashed', latest.seq],
    ]);
    const cli = await cliVerify(t);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(expected);
    expect(await checkpointAuditHead(t.db, 'manual', { signer })).toMatchObject({ status: 'refused', reason: expect.stringMatching(/re-hashed/) });

    // The forger rewrites the checkpoints to the forged hashes: without the key, the signatures no longer hold.
    await asAttacker(t, (c) => c.query('UPDATE audit_checkpoints SET hash = audit_log.hash FROM audit_log WHERE audit_log.seq = audit_checkpoints.seq').then(() => undefined));
    const forged = await apiVerify(t);
    expect(forged.ok).toBe(false);
    // The early checkpoint's entry was not forged: its hash and signature still hold.
    expect(forged.anchor.problems.map((p) => [p.kind, p.seq])).toEqual([
      ['bad-signature', middle.seq],
      ['bad-signature', latest.seq],
    ]);
    expect(forged.firstBroken!.reason).toBe(`checkpoint #${middle.id} (entry ${middle.seq}, at ${middle.at}) has a bad signature: it was altered or forged`);
    const cli2 = await cliVerify(t);
    expect(cli2.code).toBe(1);
    expect(cli2.stdout).toContain(`checkpoint #${latest.id} (entry ${latest.seq}, at ${latest.at}) has a bad signature`);
  });

  it('deleting the checkpoints as well is caught by the witness file', async () => {
    const t = await freshTrail(6);
    const witness = path.join(dir, 'witness-deleted.jsonl');
    const cp = await checkpoint(t, witness);
    await asAttacker(t, async (c) => {
      await c.query('DELETE FROM audit_checkpoints');
      await c.query('DELETE FROM audit_log WHERE seq > $1', [cp.seq - 2]);
      await c.query('UPDATE audit_chain_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)', [cp.seq - 2]);
    });
    const cli = await cliVerify(t, ['--witness', witness]);
    expect(cli.code, cli.stderr).toBe(1);
    expect(cli.stdout).toContain(`audit trail BROKEN at entry ${cp.seq - 1}: truncated tail: entries ${cp.seq - 1}..${cp.seq} missing since checkpoint at ${cp.at} (witness line 1`);
    expect(cli.stdout).toContain(`the checkpoint of entry ${cp.seq} signed at ${cp.at} (witness line 1) is not in the database: it was deleted`);
    // The same witness, named by the environment instead of the flag.
    const byEnv = await cliVerify(t, ['--json'], { SAGASCOPE_AUDIT_WITNESS_FILE: witness });
    expect(byEnv.code).toBe(1);
    expect((JSON.parse(byEnv.stdout) as VerifyReport).anchor).toMatchObject({ witness: { file: witness, checkpoints: 1 }, problems: [{ kind: 'truncated' }, { kind: 'checkpoint-deleted' }] });
  });
});

describe('the key', () => {
  it('verify needs it once checkpoints exist; the public key alone suffices; another key’s checkpoints are named', async () => {
    const t = await freshTrail(2);
    const cp = await checkpoint(t);
    const noKey = { SAGASCOPE_AUDIT_KEY: '', SAGASCOPE_AUDIT_KEY_FILE: path.join(dir, 'no-such-key') };
    const missing = await cliVerify(t, [], noKey);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`1 checkpoint(s) cannot be checked: no audit key`);
    expect(fs.existsSync(path.join(dir, 'no-such-key'))).toBe(false);

    const publicOnly = await cliVerify(t, [], { ...noKey, SAGASCOPE_AUDIT_PUBLIC_KEY: signer.verifier.publicKeyText });
    expect(publicOnly.code, publicOnly.stdout + publicOnly.stderr).toBe(0);
    expect(publicOnly.stdout).toContain(`anchored: entry ${cp.seq} matches checkpoint #${cp.id} signed at ${cp.at}`);

    const other = CheckpointSigner.fromSeed(Buffer.alloc(32, 7));
    const wrong = await cliVerify(t, [], { SAGASCOPE_AUDIT_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`checkpoint #${cp.id} (entry ${cp.seq}, at ${cp.at}) claims key ${signer.keyId}, not this key ${other.keyId}`);
  });
});

describe('embedded PGlite (npm start’s default database)', () => {
  it('checkpoints, verifies against the witness, and refuses to change checkpoints or lower the high-water mark', async () => {
    const lite = await startTestEnv({}, { embedded: true });
    try {
      const witness = path.join(dir, 'embedded-witness.jsonl');
      for (let i = 0; i < 3; i++) await appendAudit(lite.db, { ...ALICE, action: 'test.embedded', outcome: 'ok' });
      const r = await checkpointAuditHead(lite.db, 'manual', { signer, witnessFile: witness });
      expect(r).toMatchObject({ status: 'written', checkpoint: { seq: 3 } });
      expect(await checkpointAuditHead(lite.db, 'manual', { signer, witnessFile: witness })).toMatchObject({ status: 'unchanged' });
      const report = await verifyAuditChain(lite.db, { anchor: { verifier: signer.verifier, missingKey: null, witnessFile: witness } });
      expect(report).toMatchObject({ ok: true, anchor: { checkpoints: 1, problemCount: 0, latest: { seq: 3 }, witness: { checkpoints: 1 } } });
      await expect(lite.db.query('DELETE FROM audit_checkpoints')).rejects.toThrow(/audit_checkpoints: DELETE is not allowed/);
      await expect(lite.db.query('UPDATE audit_chain_head SET seq = 1')).rejects.toThrow(/only moves forward/);
      await expect(lite.db.query('DELETE FROM audit_chain_head')).rejects.toThrow(/audit_chain_head: DELETE is not allowed/);
      await expect(lite.db.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/TRUNCATE is not allowed/);
    } finally {
      await lite.close();
    }
  });
});
