import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { loadSchemaEngineClass } from './lib/db/migrations/wasm-loader.ts';
import { createMigrationAdapterFactory } from './lib/db/migrations/pg-migration-adapter.ts';
import { readFileSync } from 'node:fs';

const url = 'postgresql://postgres@127.0.0.1:5432/sagascope_mig_probe';
const raw = createMigrationAdapterFactory(url);
const trace = (tag: string, a: any) => { for (const m of ['queryRaw','executeRaw','executeScript']) { const f = a[m].bind(a); a[m] = async (x: any) => { console.log(tag, m, (typeof x === 'string' ? x : x.sql).slice(0, 150).replace(/\s+/g,' ')); return f(x); }; } const st = a.startTransaction.bind(a); a.startTransaction = async (...r: any[]) => { console.log(tag, 'BEGIN'); const t = await st(...r); for (const m of ['queryRaw','executeRaw']) { const f = t[m].bind(t); t[m] = async (x: any) => { console.log(tag, ' tx', m, x.sql.slice(0, 150).replace(/\s+/g,' ')); return f(x); }; } return t; }; return a; };
const factory = bindMigrationAwareSqlAdapterFactory({ ...raw, connect: async () => trace('MAIN', await raw.connect()), connectToShadowDb: async () => trace('SHADOW', await raw.connectToShadowDb()) });
const SE = await loadSchemaEngineClass();
const schema = readFileSync('prisma/schema.prisma', 'utf8');
const engine = await SE.new({ datamodels: [['prisma/schema.prisma', schema]] }, (log: string) => console.log('LOG', log.trim()), factory);
const list = { baseDir: '/tmp/probe/migrations', lockfile: { path: 'migration_lock.toml', content: null }, shadowDbInitScript: '', migrationDirectories: [] };
const filters = { externalTables: [], externalEnums: [] };
try {
  const fs = await import('node:fs');
  const sql = fs.readFileSync('/tmp/probe/migrations/20261121195431_init/migration.sql', 'utf8');
  const list2 = { ...list, lockfile: { path: 'migration_lock.toml', content: fs.readFileSync('/tmp/probe/migrations/migration_lock.toml','utf8') }, migrationDirectories: [{ path: '20261121195431_init', migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } } }] };
  const t0 = Date.now();
  console.log(await engine.applyMigrations({ migrationsList: list2, filters }), Date.now() - t0);
  console.log(await engine.diagnoseMigrationHistory({ migrationsList: list2, filters, optInToShadowDatabase: false }));
} catch (e: any) { console.log('ERR', e?.name, e?.message); }
engine.free();
