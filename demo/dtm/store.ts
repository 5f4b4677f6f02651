/**
 * The DTM test double's state, in DTM's own tables and columns
 * (sqls/dtmsvr.storage.postgres.sql: schema `dtm`, tables trans_global and
 * trans_branch_op; dtmsvr/storage/trans.go TransGlobalStore / TransBranchStore
 * for what each column holds), created by the double itself — not a Prisma
 * migration of sagascope's: it is the coordinator's database, not ours.
 *
 * One deliberate addition: `rollback_reason` (TransGlobalStore.RollbackReason,
 * json "rollback_reason"), which the SQL script read (commit 68efe31) does not
 * list although the store struct carries it. Timestamps keep DTM's
 * `timestamp(0) with time zone`: whole seconds, as a reader of a real DTM
 * database sees them.
 */
import type { Queryable, Sql } from '../db/sql';
import type { BranchOp, BranchStatus, GlobalStatus, TransType } from './protocol';

export const DTM_DDL: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS dtm`,
  `CREATE SEQUENCE IF NOT EXISTS dtm.trans_global_seq`,
  `CREATE TABLE IF NOT EXISTS dtm.trans_global (
    id bigint NOT NULL DEFAULT NEXTVAL ('dtm.trans_global_seq'),
    gid varchar(128) NOT NULL,
    trans_type varchar(45) not null,
    status varchar(45) NOT NULL,
    query_prepared varchar(128) NOT NULL,
    protocol varchar(45) not null,
    create_time timestamp(0) with time zone DEFAULT NULL,
    update_time timestamp(0) with time zone DEFAULT NULL,
    finish_time timestamp(0) with time zone DEFAULT NULL,
    rollback_time timestamp(0) with time zone DEFAULT NULL,
    options varchar(1024) DEFAULT '',
    custom_data varchar(256) DEFAULT '',
    next_cron_interval int default null,
    next_cron_time timestamp(0) with time zone default null,
    owner varchar(128) not null default '',
    ext_data text,
    rollback_reason varchar(1024) DEFAULT '',
    PRIMARY KEY (id),
    CONSTRAINT gid UNIQUE (gid)
  )`,
  `create index if not EXISTS owner on dtm.trans_global(owner)`,
  `create index if not EXISTS status_next_cron_time on dtm.trans_global (status, next_cron_time)`,
  `CREATE SEQUENCE IF NOT EXISTS dtm.trans_branch_op_seq`,
  `CREATE TABLE IF NOT EXISTS dtm.trans_branch_op (
    id bigint NOT NULL DEFAULT NEXTVAL ('dtm.trans_branch_op_seq'),
    gid varchar(128) NOT NULL,
    url varchar(128) NOT NULL,
    data TEXT,
    bin_data bytea,
    branch_id VARCHAR(128) NOT NULL,
    op varchar(45) NOT NULL,
    status varchar(45) NOT NULL,
    finish_time timestamp(0) with time zone DEFAULT NULL,
    rollback_time timestamp(0) with time zone DEFAULT NULL,
    create_time timestamp(0) with time zone DEFAULT NULL,
    update_time timestamp(0) with time zone DEFAULT NULL,
    PRIMARY KEY (id),
    CONSTRAINT gid_branch_uniq UNIQUE (gid, branch_id, op)
  )`,
];

export interface GlobalRow {
  id: number;
  gid: string;
  transType: TransType;
  status: GlobalStatus;
  queryPrepared: string;
  protocol: string;
  createTime: Date | null;
  updateTime: Date | null;
  finishTime: Date | null;
  rollbackTime: Date | null;
  options: string;
  customData: string;
  nextCronInterval: number | null;
  nextCronTime: Date | null;
  owner: string;
  extData: string | null;
  rollbackReason: string;
}

export interface BranchRow {
  id: number;
  gid: string;
  url: string;
  binData: Buffer | null;
  branchId: string;
  op: BranchOp;
  status: BranchStatus;
  finishTime: Date | null;
  rollbackTime: Date | null;
  createTime: Date | null;
  updateTime: Date | null;
}

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
const bytes = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array));

function toGlobal(r: Record<string, unknown>): GlobalRow {
  return {
    id: Number(r.id),
    gid: String(r.gid),
    transType: r.trans_type as TransType,
    status: r.status as GlobalStatus,
    queryPrepared: String(r.query_prepared ?? ''),
    protocol: String(r.protocol ?? ''),
    createTime: date(r.create_time),
    updateTime: date(r.update_time),
    finishTime: date(r.finish_time),
    rollbackTime: date(r.rollback_time),
    options: String(r.options ?? ''),
    customData: String(r.custom_data ?? ''),
    nextCronInterval: r.next_cron_interval === null || r.next_cron_interval === undefined ? null : Number(r.next_cron_interval),
    nextCronTime: date(r.next_cron_time),
    owner: String(r.owner ?? ''),
    extData: r.ext_data === null || r.ext_data === undefined ? null : String(r.ext_data),
    rollbackReason: String(r.rollback_reason ?? ''),
  };
}

function toBranch(r: Record<string, unknown>): BranchRow {
  return {
    id: Number(r.id),
    gid: String(r.gid),
    url: String(r.url),
    binData: bytes(r.bin_data),
    branchId: String(r.branch_id),
    op: r.op as BranchOp,
    status: r.status as BranchStatus,
    finishTime: date(r.finish_time),
    rollbackTime: date(r.rollback_time),
    createTime: date(r.create_time),
    updateTime: date(r.update_time),
  };
}

export interface NewGlobal {
  gid: string;
  transType: TransType;
  status: GlobalStatus;
  queryPrepared: string;
  protocol: string;
  options: string;
  customData: string;
  nextCronInterval: number;
  nextCronTime: Date;
  extData: string;
  rollbackReason: string;
}

export interface NewBranch {
  url: string;
  binData: Buffer | null;
  branchId: string;
  op: BranchOp;
}

/** The transaction's status changed under us (forceStop, another processor): stop working on it. */
export class StatusChanged extends Error {}

export class DtmStore {
  constructor(readonly sql: Sql) {}

  async migrate(): Promise<void> {
    for (const ddl of DTM_DDL) {
      try {
        await this.sql.query(ddl);
      } catch (err) {
        // Two doubles starting on one database race on IF NOT EXISTS (unique violation): the loser carries on.
        if ((err as { code?: string }).code !== '23505') throw err;
      }
    }
  }

  /**
   * dtmsvr/storage/sql/sql.go MaySaveNewTrans: the global row, ON CONFLICT DO
   * NOTHING; if it was new, its branches. false: the gid exists (ErrUniqueConflict).
   */
  async saveNew(g: NewGlobal, branches: readonly NewBranch[], now: Date): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const r = await tx.query(
        `INSERT INTO dtm.trans_global (gid, trans_type, status, query_prepared, protocol, create_time, update_time,
           options, custom_data, next_cron_interval, next_cron_time, ext_data, rollback_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (gid) DO NOTHING`,
        [g.gid, g.transType, g.status, g.queryPrepared, g.protocol, now, g.options, g.customData, g.nextCronInterval, g.nextCronTime, g.extData, g.rollbackReason],
      );
      if (r.rowCount === 0) return false;
      await insertBranches(tx, g.gid, branches, now, true);
      return true;
    });
  }

  async findGlobal(gid: string): Promise<GlobalRow | null> {
    const r = await this.sql.query('SELECT * FROM dtm.trans_global WHERE gid = $1', [gid]);
    return r.rows[0] ? toGlobal(r.rows[0]) : null;
  }

  /** dtmsvr/storage/sql/sql.go FindBranches: order by id. */
  async findBranches(gid: string): Promise<BranchRow[]> {
    const r = await this.sql.query('SELECT * FROM dtm.trans_branch_op WHERE gid = $1 ORDER BY id ASC', [gid]);
    return r.rows.map(toBranch);
  }

  /**
   * dtmsvr/storage/sql/sql.go LockGlobalSaveBranches: with the global row
   * locked in status `status`, save the branches. false: no such transaction in that status.
   */
  async lockGlobalSaveBranches(gid: string, status: GlobalStatus, branches: readonly NewBranch[], now: Date): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const g = await tx.query('SELECT id FROM dtm.trans_global WHERE gid = $1 AND status = $2 FOR UPDATE', [gid, status]);
      if (g.rows.length === 0) return false;
      await insertBranches(tx, gid, branches, now, false);
      return true;
    });
  }

  /**
   * dtmsvr/trans_status.go changeStatus + storage/sql ChangeGlobalStatus: only
   * from the status we last saw (else StatusChanged); succeed stamps
   * finish_time, failed rollback_time.
   */
  async changeStatus(g: GlobalRow, status: GlobalStatus, now: Date, rollbackReason?: string): Promise<void> {
    const r = await this.sql.query(
      `UPDATE dtm.trans_global SET status = $3::varchar, update_time = $4::timestamptz,
         finish_time = CASE WHEN $3::varchar = 'succeed' THEN $4::timestamptz ELSE finish_time END,
         rollback_time = CASE WHEN $3::varchar = 'failed' THEN $4::timestamptz ELSE rollback_time END,
         rollback_reason = COALESCE($5::varchar, rollback_reason)
       WHERE gid = $1 AND status = $2`,
      [g.gid, g.status, status, now, rollbackReason ?? null],
    );
    if (r.rowCount === 0) throw new StatusChanged(`${g.gid} is no longer ${g.status}`);
    g.status = status;
    g.updateTime = now;
    if (rollbackReason !== undefined) g.rollbackReason = rollbackReason;
  }

  /** dtmsvr/storage/sql/sql.go TouchCronTime (guarded by status, like DTM). */
  async touchCronTime(g: GlobalRow, interval: number, next: Date, now: Date): Promise<void> {
    await this.sql.query(
      `UPDATE dtm.trans_global SET next_cron_interval = $3, next_cron_time = $4, update_time = $5 WHERE gid = $1 AND status = $2`,
      [g.gid, g.status, interval, next, now],
    );
    g.nextCronInterval = interval;
    g.nextCronTime = next;
  }

  /** dtmsvr/trans_status.go changeBranchStatus (saved at once, as with DTM's UpdateBranchSync=1). */
  async changeBranchStatus(b: BranchRow, status: BranchStatus, now: Date): Promise<void> {
    await this.sql.query('UPDATE dtm.trans_branch_op SET status = $2, finish_time = $3, update_time = $3 WHERE id = $1', [b.id, status, now]);
    b.status = status;
    b.finishTime = now;
    b.updateTime = now;
  }

  /**
   * dtmsvr/storage/sql/sql.go LockOneGlobalTrans: one due unfinished
   * transaction, leased by moving its next_cron_time RetryInterval ahead and
   * stamping an owner.
   */
  async lockOneDue(owner: string, leaseS: number, now: Date): Promise<GlobalRow | null> {
    const r = await this.sql.query(
      `UPDATE dtm.trans_global SET update_time = $1, next_cron_time = $2, owner = $3
       WHERE id IN (SELECT id FROM dtm.trans_global WHERE next_cron_time < $1 AND status IN ('prepared', 'aborting', 'submitted') LIMIT 1)
       RETURNING *`,
      [now, new Date(now.getTime() + leaseS * 1000), owner],
    );
    return r.rows[0] ? toGlobal(r.rows[0]) : null;
  }

  /** One transaction due now (resetNextCronTime; redis store ResetTransGlobalCronTime: next_cron_time = update_time = now). */
  async resetNextCronTime(gid: string, now: Date): Promise<void> {
    await this.sql.query('UPDATE dtm.trans_global SET next_cron_time = $2, update_time = $2 WHERE gid = $1', [gid, now]);
  }

  /**
   * dtmsvr/api_http.go all → storage ScanTransGlobalStores (sql): newest first
   * by id, below `position`; the next position is the last id when the page is full, else "".
   */
  async scan(position: string, limit: number, filter: { status?: string; transType?: string; createTimeStart?: Date; createTimeEnd?: Date }): Promise<{ rows: GlobalRow[]; next: string }> {
    const where = ['id < $1'];
    const params: unknown[] = [position === '' ? Number.MAX_SAFE_INTEGER : Number(position)];
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.transType) where.push(`trans_type = $${params.push(filter.transType)}`);
    if (filter.createTimeStart) where.push(`create_time > $${params.push(filter.createTimeStart)}`);
    if (filter.createTimeEnd) where.push(`create_time < $${params.push(filter.createTimeEnd)}`);
    params.push(limit);
    const r = await this.sql.query(`SELECT * FROM dtm.trans_global WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`, params);
    const rows = r.rows.map(toGlobal);
    return { rows, next: rows.length < limit || rows.length === 0 ? '' : String(rows[rows.length - 1].id) };
  }
}

async function insertBranches(tx: Queryable, gid: string, branches: readonly NewBranch[], now: Date, ignoreConflicts: boolean): Promise<void> {
  for (const b of branches) {
    await tx.query(
      `INSERT INTO dtm.trans_branch_op (gid, url, bin_data, branch_id, op, status, create_time, update_time)
       VALUES ($1, $2, $3, $4, $5, 'prepared', $6, $6)${ignoreConflicts ? ' ON CONFLICT (gid, branch_id, op) DO NOTHING' : ''}`,
      [gid, b.url, b.binData, b.branchId, b.op, now],
    );
  }
}
