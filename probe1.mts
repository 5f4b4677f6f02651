import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { loadSchemaEngineClass } from './lib/db/migrations/wasm-loader.ts';
import { readFileSync } from 'node:fs';

const url = 'postgresql://postgres@127.0.0.1:5432/sagascope_mig_probe';
const inner = new PrismaPg({ connectionString: url });
const factory = bindMigrationAwareSqlAdapterFactory({
  provider: inner.provider, adapterName: inner.adapterName,
  connect: async () => { const a = await inner.connect(); const q = a.queryRaw.bind(a); (a as any).queryRaw = async (x: any) => { console.log('SQL', x.sql.slice(0, 300).replace(/\s+/g,' ')); try { const r = await q(x); console.log('  types', JSON.stringify(r.columnTypes)); return r; } catch (e: any) { console.log('  QERR', e.message, JSON.stringify(e.cause)); throw e; } }; return a; },
  connectToShadowDb: async () => { throw new Error('no shadow'); },
});
const SE = await loadSchemaEngineClass();
const schema = readFileSync('prisma/schema.prisma', 'utf8');
const engine = await SE.new({ datamodels: [['prisma/schema.prisma', schema]] }, (log: string) => console.log('LOG', log), factory);
const list = { baseDir: '/tmp/probe/migrations', lockfile: { path: 'migration_lock.toml', content: null }, shadowDbInitScript: '', migrationDirectories: [] };
try {
  console.log(await engine.devDiagnostic({ migrationsList: list, filters: { externalTables: [], externalEnums: [] } }));
} catch (e: any) { console.log('ERR', e?.name, e?.message, e?.code, e, Object.keys(e ?? {}), e?.meta); }
engine.free();
