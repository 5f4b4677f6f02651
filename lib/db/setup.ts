/**
 * Open the database a process will use and bring its schema up to date first:
 * the wasm schema engine for a Postgres server, the same migration files
 * applied in-process for embedded PGlite; then, with
 * SAGASCOPE_SPAN_PARTITIONS=daily, the partitioned span layout (a no-op once built).
 */
import path from 'node:path';
import { openDb, type Db, type DbConfig } from './connection';
import { migrateDeploy } from './migrations/schema-engine';
import { applyMigrationsToPglite } from './migrations/embedded';
import { convertToDailyPartitions } from './span-partitions';
import type { Config } from '../config/env';
import { log, redactUrl } from '../log';

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'prisma/migrations');

export async function openMigratedDb(config: DbConfig & Partial<Pick<Config, 'SAGASCOPE_SPAN_PARTITIONS'>>): Promise<Db> {
  let db: Db;
  if (config.DATABASE_URL) {
    await migrateDeploy(config.DATABASE_URL, { migrationsDir: MIGRATIONS_DIR });
    log.info('database ready', { database: redactUrl(config.DATABASE_URL) });
    db = await openDb(config);
  } else {
    db = await openDb(config, { prepareEmbedded: (lite) => applyMigrationsToPglite(lite, MIGRATIONS_DIR).then(() => undefined) });
    log.info('embedded database ready', { dataDir: config.SAGASCOPE_DATA_DIR });
  }
  if (config.SAGASCOPE_SPAN_PARTITIONS === 'daily') {
    const converted = await db.transaction((tx) => convertToDailyPartitions(tx, Date.now()));
    if (converted) log.info('spans converted to daily partitions');
  }
  return db;
}
