/**
 * The audit trail on the real PostgreSQL: one gap-free chain under concurrent
 * appends (also from separate connection pools, as from separate processes),
 * the append-only trigger, tamper detection when a superuser bypasses the
 * trigger (API and CLI name the altered row), and the per-saga trail.
 */
import { detailJson } from '../../lib/saga-view/detail-json';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { openDb, setSharedDb, type Db } from '../../lib/db/connection';
import { appendAudit, auditForSaga, auditHead, listAudit, verifyAuditChain } from '../../lib/audit/store';
import { GENESIS_HASH, hashEntry } from '../../lib/audit/chain';
import { createToken } from '../../lib/auth/accounts';
import { getSagaDetail } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';
import { apiRequest } from '../support/api-client';
import { makeSpan, toOtlpJson } from '../support/spans';
import { runCli } from '../support/cli';
import * as verifyRoute from '../../app/api/audit/verify/route';
import * as auditRoute from '../../app/api/audit/route';
import * as sagaRoute from '../../app/api/sagas/[id]/route';

const ACTOR = { actor: 'alice', role: 'operator', via: 'session' };
let env: TestEnv;
let superuser: pg.Client;
let auditorToken: string;

beforeAll(async () => {
  env = await startTestEnv();
  setSharedDb(env.db);
  superuser = new pg.Client({ connectionString: env.databaseUrl });
  await superuser.connect();
  auditorToken = (await createToken(env.db, { actor: 'test', role: 'system', via: 'system' }, { name: 'auditor', role: 'auditor' })).token;
});
afterAll(async () => {
  await superuser?.end();
  await env?.close();
});

async function apiVerify(): Promise<{ ok: boolean; entries: number; firstBroken: { seq: number; reason: string } | null }> {
  const res = await verifyRoute.GET(apiRequest('GET', '/api/audit/verify', { bearer: auditorToken }));
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

describe('appending', () => {
  it('chains entries from the genesis with consecutive seq numbers and returns what it stored', async () => {
    const head = await auditHead(env.db);
    const e = await appendAudit(env.db, { ...ACTOR, action: 'saga.compensate', sagaId: 'saga-1', step: 'reserve', request: { dryRun: false, n: 1.5 }, outcome: 'intent', reason: 'stuck since 3am' });
    expect(e.seq).toBe(head.seq + 1);
    expect(e.prevHash).toBe(head.seq === 0 ? GENESIS_HASH : head.hash);
    const done = await appendAudit(env.db, { ...ACTOR, action: 'saga.compensate', sagaId: 'saga-1', step: 'reserve', outcome: 'ok', result: { status: 200 }, ref: e.seq });
    expect(done).toMatchObject({ seq: e.seq + 1, prevHash: e.hash, ref: e.seq, request: {}, result: { status: 200 } });
    const { hash, id: _id, ...fields } = done;
    expect(hashEntry(fields as never)).toBe(hash);
    expect(await auditForSaga(env.db, 'saga-1')).toEqual([e, done]);
  });

  it('keeps one chain under concurrent appends, also from separate connection pools', async () => {
    const other: Db = await openDb({ DATABASE_URL: env.databaseUrl, SAGASCOPE_DATA_DIR: '', SAGASCOPE_DB_POOL_SIZE: 5 });
    try {
      const before = (await auditHead(env.db)).seq;
      const writes = Array.from({ length: 60 }, (_, i) =>
        appendAudit(i % 2 ? env.db : other, { ...ACTOR, action: 'test.concurrent', request: { i }, outcome: 'ok' }),
      );
      const entries = await Promise.all(writes);
      const seqs = entries.map((e) => e.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => before + 1 + i));
      expect(await verifyAuditChain(env.db)).toMatchObject({ ok: true, entries: before + 60, firstBroken: null });
    } finally {
      await other.close();
    }
  });

  it('joins the caller’s transaction: rolled back with it, no gap left', async () => {
    const before = await auditHead(env.db);
    await expect(
      env.db.transaction(async (tx) => {
        await appendAudit(tx, { ...ACTOR, action: 'test.rollback', outcome: 'intent' });
        throw new Error('the action failed before commit');
      }),
    ).rejects.toThrow('the action failed');
    expect(await auditHead(env.db)).toEqual(before);
    const next = await appendAudit(env.db, { ...ACTOR, action: 'test.after_rollback', outcome: 'ok' });
    expect(next.seq).toBe(before.seq + 1);
  });

  it('refuses malformed entries', async () => {
    await expect(appendAudit(env.db, { ...ACTOR, action: 'Not Dotted', outcome: 'ok' })).rejects.toThrow(/action/);
    await expect(appendAudit(env.db, { ...ACTOR, actor: '', action: 'x.y', outcome: 'ok' })).rejects.toThrow(/actor/);
    await expect(appendAudit(env.db, { ...ACTOR, action: 'x.y', outcome: 'ok', request: { big: 'x'.repeat(70_000) } })).rejects.toThrow(/larger/);
  });

  it('stores text PostgreSQL would refuse in a storable form that still verifies', async () => {
    await appendAudit(env.db, { ...ACTOR, action: 'test.unicode', outcome: 'ok', reason: 'nul\0 and lone \ud800 surrogate', request: { 'k\0': ['é', 1e21, -0, null, true] } });
    expect((await verifyAuditChain(env.db)).ok).toBe(true);
  });
});

describe('database-level protection', () => {
  it('a trigger refuses UPDATE, DELETE and TRUNCATE, even for the table owner', async () => {
    await expect(superuser.query(`UPDATE audit_log SET reason = 'rewritten' WHERE seq = 1`)).rejects.toThrow(/append-only: UPDATE/);
    await expect(superuser.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only: DELETE/);
    await expect(superuser.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
    expect((await verifyAuditChain(env.db)).ok).toBe(true);
  });
});

describe('tamper detection', () => {
  it('names the row a superuser edited behind the trigger’s back (API and CLI), and passes again once restored', async () => {
    const target = 2;
    const [original] = (await superuser.query<{ reason: string | null }>('SELECT reason FROM audit_log WHERE seq = $1', [target])).rows;
    await superuser.query('SET session_replication_role = replica');
    await superuser.query(`UPDATE audit_log SET reason = 'nothing to see here' WHERE seq = $1`, [target]);
    await superuser.query('SET session_replication_role = origin');

    const report = await apiVerify();
    expect(report).toMatchObject({ ok: false, entries: target - 1, firstBroken: { seq: target } });
    expect(report.firstBroken!.reason).toMatch(/altered/);

    const cli = await runCli('cli/audit-verify.ts', [], { DATABASE_URL: env.databaseUrl });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`BROKEN at entry ${target}`);

    await superuser.query('SET session_replication_role = replica');
    await superuser.query('UPDATE audit_log SET reason = $2 WHERE seq = $1', [target, original!.reason]);
    await superuser.query('SET session_replication_role = origin');
    expect((await apiVerify()).ok).toBe(true);
    const clean = await runCli('cli/audit-verify.ts', [], { DATABASE_URL: env.databaseUrl });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/audit trail OK: \d+ entries/);
  });

  it('names a row deleted with the trigger disabled, and a re-hashed forgery by the link it breaks', async () => {
    const head = await auditHead(env.db);
    await superuser.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete');
    try {
      // A forger who rewrites entry 4 and recomputes its hash: entry 5 no longer links to it.
      const [row] = (await superuser.query('SELECT * FROM audit_log WHERE seq = 4')).rows;
      const forged = {
        seq: 4,
        at: new Date(row.at).toISOString(),
        actor: 'mallory',
        role: row.role,
        via: row.via,
        action: row.action,
        sagaId: row.saga_id,
        step: row.step,
        request: row.request,
        result: row.result,
        outcome: row.outcome,
        reason: row.reason,
        ref: row.ref === null ? null : Number(row.ref),
        prevHash: row.prev_hash,
      };
      await superuser.query('UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = 4', ['mallory', hashEntry(forged)]);
      expect((await apiVerify()).firstBroken).toMatchObject({ seq: 5, reason: expect.stringMatching(/does not link to entry 4/) });
      await superuser.query('UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = 4', [row.actor, row.hash]);

      await superuser.query('DELETE FROM audit_log WHERE seq = 6');
      const report = await apiVerify();
      expect(report.firstBroken).toMatchObject({ seq: 6, reason: expect.stringMatching(/entry 6 is missing/) });
      expect(head.seq).toBeGreaterThan(6);
    } finally {
      await superuser.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete');
    }
  });
});

describe('reading the trail', () => {
  it('GET /api/audit filters and pages newest first', async () => {
    const page1 = await auditRoute.GET(apiRequest('GET', '/api/audit?action=test.concurrent&limit=25', { bearer: auditorToken }));
    const body1 = (await page1.json()) as { items: { seq: number; action: string }[]; nextCursor: string };
    expect(body1.items).toHaveLength(25);
    expect(body1.items.every((e) => e.action === 'test.concurrent')).toBe(true);
    expect(body1.items[0]!.seq).toBeGreaterThan(body1.items[24]!.seq);
    const page3 = await auditRoute.GET(apiRequest('GET', `/api/audit?action=test&limit=25&cursor=${body1.nextCursor}`, { bearer: auditorToken }));
    const body3 = (await page3.json()) as { items: { seq: number }[] };
    expect(body3.items[0]!.seq).toBeLessThan(body1.items[24]!.seq);
    // Unknown parameters are ignored (a pasted link keeps working); a bad known one is a 400.
    expect((await auditRoute.GET(apiRequest('GET', '/api/audit?bogus=1', { bearer: auditorToken }))).status).toBe(200);
    expect((await auditRoute.GET(apiRequest('GET', '/api/audit?limit=lots', { bearer: auditorToken }))).status).toBe(400);
    const future = await listAudit(env.db, { from: new Date(Date.now() + 60_000), limit: 10 });
    expect(future.items).toEqual([]);
  });

  it('the saga detail carries the entries that target that saga', async () => {
    const sagaId = 'audited-saga';
    const span = makeSpan({ service: 'orders', attributes: { 'saga.id': sagaId, 'saga.name': 'checkout', 'saga.step': 'create', 'saga.op': 'action' } });
    const res = await fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: toOtlpJson([span]) });
    expect(res.status).toBe(200);
    const intent = await appendAudit(env.db, { ...ACTOR, action: 'saga.retry', sagaId, step: 'create', outcome: 'intent', reason: 'customer waiting' });
    await appendAudit(env.db, { ...ACTOR, action: 'saga.retry', sagaId, step: 'create', outcome: 'ok', ref: intent.seq });
    const detail = detailJson(await getSagaDetail(env.db, sagaId, modelConfigFrom(env.config, Date.now()), env.config.SAGASCOPE_MAX_SAGA_SPANS));
    expect(detail!.audit.map((a) => [a.action, a.outcome, a.step, a.reason])).toEqual([
      ['saga.retry', 'intent', 'create', 'customer waiting'],
      ['saga.retry', 'ok', 'create', null],
    ]);
    const api = await sagaRoute.GET(apiRequest('GET', `/api/sagas/${sagaId}`, { bearer: auditorToken }), { params: Promise.resolve({ id: sagaId }) });
    expect(((await api.json()) as { audit: unknown[] }).audit).toHaveLength(2);
  });
});

describe('embedded PGlite', () => {
  it('has the same append-only trigger and chain', async () => {
    const lite = await startTestEnv({}, { embedded: true });
    try {
      const a = await appendAudit(lite.db, { ...ACTOR, action: 'test.embedded', outcome: 'intent' });
      const b = await appendAudit(lite.db, { ...ACTOR, action: 'test.embedded', outcome: 'ok', ref: a.seq });
      expect([a.seq, b.seq, b.prevHash]).toEqual([1, 2, a.hash]);
      await expect(lite.db.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
      await expect(lite.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      expect(await verifyAuditChain(lite.db)).toMatchObject({ ok: true, entries: 2 });
    } finally {
      await lite.close();
    }
  });
});
