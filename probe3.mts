import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { loadSchemaEngineClass } from './lib/db/migrations/wasm-loader.ts';
import { createMigrationAdapterFactory } from './lib/db/migrations/pg-migration-adapter.ts';
import { readFileSync } from 'node:fs';
const url = 'postgresql://postgres@127.0.0.1:5432/sagascope_mig_probe';
const factory = bindMigrationAwareSqlAdapterFactory(createMigrationAdapterFactory(url));
const SE = await loadSchemaEngineClass();
const file = process.argv[2];
const schema = readFileSync(file, 'utf8');
const engine = await SE.new({ datamodels: [[file, schema]] }, () => {}, factory);
const fs = await import('node:fs');
const sql = fs.readFileSync('/tmp/probe/migrations/20261121195431_init/migration.sql', 'utf8');
const list = { baseDir: '/tmp/probe/migrations', shadowDbInitScript: '', lockfile: { path: 'migration_lock.toml', content: fs.readFileSync('/tmp/probe/migrations/migration_lock.toml','utf8') }, migrationDirectories: [{ path: '20261121195431_init', migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: sql } } }] };
const filters = { externalTables: [], externalEnums: [] };
try {
  const r = await engine.createMigration({ draft: false, migrationName: 'x', migrationsList: list, schema: { files: [{ path: file, content: schema }] }, filters });
  console.log(JSON.stringify(r.migrationScript));
  if (process.argv[3] && r.migrationScript) await engine.dbExecute({ datasourceType: { tag: 'url', url }, script: r.migrationScript }).catch(e => console.log('dbExecute', e.message));
} catch (e: any) { console.log('ERR', e?.name, e?.message); }
engine.free();
