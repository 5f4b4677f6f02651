/**
 * The schema stays distributable (ADR 0013): checked on plain PostgreSQL against
 * the placement plan of lib/db/distribution.ts, with the rules Citus enforces when
 * `create_distributed_table` / `create_reference_table` run (Citus itself cannot be
 * installed here; docs/scaling.md §4 says what was and was not run). Runs in both
 * span layouts (npm run test:integration:partitioned).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createScratchDatabase, SPAN_PARTITIONS } from './harness';
import { openMigratedDb } from '../../lib/db/setup';
import { parseConfig } from '../../lib/config/env';
import type { Db } from '../../lib/db/connection';
import { PLACEMENTS, citusSql } from '../../lib/db/distribution';

let db: Db;
let drop: () => Promise<void>;
beforeAll(async () => {
  const scratch = await createScratchDatabase();
  drop = scratch.drop;
  db = await openMigratedDb(parseConfig({ DATABASE_URL: scratch.url, SAGASCOPE_DATA_DIR: 'memory://', SAGASCOPE_SPAN_PARTITIONS: SPAN_PARTITIONS }));
}, 120_000);
afterAll(async () => {
  await db?.close();
  await drop?.();
});

const placement = (table: string) => PLACEMENTS.find((p) => p.table === table);

describe('distribution plan (lib/db/distribution.ts)', () => {
  it('places every table, and only tables that exist', async () => {
    const tables = (await db.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    )).map((r) => r.name);
    expect(tables.filter((t) => !placement(t))).toEqual([]);
    expect(PLACEMENTS.map((p) => p.table).filter((t) => !tables.includes(t))).toEqual([]);
  });

  it('gives every distributed table a NOT NULL distribution column, of one type per co-location group', async () => {
    const cols = await db.query<{ table: string; column: string; type: string; notnull: boolean }>(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    for (const p of PLACEMENTS) {
      if (p.kind !== 'distributed') continue;
      const col = cols.find((c) => c.table === p.table && c.column === p.column);
      expect(col, `${p.table}.${p.column}`).toMatchObject({ notnull: true });
      if (p.colocateWith !== null) {
        const head = placement(p.colocateWith);
        expect(head?.kind).toBe('distributed');
        const headCol = head?.kind === 'distributed' ? cols.find((c) => c.table === head.table && c.column === head.column) : undefined;
        expect(col!.type, `${p.table} co-located with ${p.colocateWith}`).toBe(headCol?.type);
      }
    }
  });

  it('has every unique key of a distributed table contain its distribution column', async () => {
    const uniques = await db.query<{ table: string; index: string; columns: string[] }>(
      `SELECT t.relname AS table, i.relname AS index,
              array(SELECT a.attname FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k)::text[] AS columns
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
        WHERE t.relnamespace = 'public'::regnamespace AND x.indisunique AND NOT t.relispartition`,
    );
    const checked: string[] = [];
    for (const u of uniques) {
      const p = placement(u.table);
      if (p?.kind !== 'distributed') continue;
      expect(u.columns, `${u.index} on ${u.table}`).toContain(p.column);
      checked.push(u.index);
    }
    expect(checked).toEqual(expect.arrayContaining(['spans_pkey', 'sagas_pkey', 'rollup_counts_pkey']));
  });

  it('has foreign keys only where Citus takes them: into reference tables, from reference or local ones', async () => {
    const fks = await db.query<{ from: string; to: string }>(
      `SELECT conrelid::regclass::text AS from, confrelid::regclass::text AS to FROM pg_constraint
        WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
    );
    for (const fk of fks) {
      expect(placement(fk.to)?.kind, `${fk.from} → ${fk.to}`).toBe('reference');
      expect(placement(fk.from)?.kind, `${fk.from} → ${fk.to}`).not.toBe('distributed');
    }
  });

  it('never changes a distribution column after insert (Citus refuses such an UPDATE)', async () => {
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory() && e.name !== 'generated') await walk(p);
        else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files.push(p);
      }
    };
    for (const root of ['lib', 'collector', 'server', 'cli']) await walk(path.resolve(root));
    const offending: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/UPDATE\s+(\w+)(?:\s+(?:AS\s+)?\w+)?\s+SET\s+([\s\S]*?)(?:\bFROM\b|\bWHERE\b|\bRETURNING\b|`)/gi)) {
        const p = placement(m[1]!);
        if (p?.kind === 'distributed' && new RegExp(`\\b${p.column}\\s*=`).test(m[2]!)) offending.push(`${file}: ${m[0].slice(0, 80)}`);
      }
    }
    expect(files.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });

  it('prints a distribution script that names each table once, reference tables before what points at them', () => {
    const sql = citusSql();
    expect(sql).toContain(`SELECT create_distributed_table('spans', 'shard_key', colocate_with => 'sagas');`);
    expect(sql).toContain(`SELECT create_reference_table('users');`);
    expect(sql.findIndex((s) => s.includes(`'users'`))).toBeLessThan(sql.findIndex((s) => s.includes(`'sessions'`)));
    expect(sql.findIndex((s) => s.includes(`('sagas'`))).toBeLessThan(sql.findIndex((s) => s.includes(`('spans'`)));
    expect(sql.length).toBe(PLACEMENTS.length - 1); // all but _prisma_migrations
  });
});
