/**
 * `prisma migrate deploy | dev | status`, run through Prisma's WebAssembly schema
 * engine instead of the native binary the CLI downloads (impossible offline).
 * Same engine logic, same migration files, same `_prisma_migrations` rows, so
 * the real CLI can take over wherever it is available.
 */
import { NO_FILTERS, withSchemaEngine, type MigrateOptions } from './engine-session';
import { readMigrationsList } from './migrations-dir';

export { MigrationError } from './migration-error';
export type { MigrateOptions } from './engine-session';
export { migrateDev, type DevOptions, type DevResult } from './migrate-dev';

export interface DeployResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
}

export interface MigrationStatus {
  /** Migration directories in the folder, in order. */
  local: string[];
  applied: string[];
  pending: string[];
  /** Started but not finished (the database needs `prisma migrate resolve`). */
  failed: string[];
  /** Applied, but migration.sql changed since (checksum mismatch). */
  edited: string[];
  /** Recorded in the database but absent from the folder. */
  missingLocally: string[];
  hasMigrationsTable: boolean;
}

/** Applies pending migrations, like `prisma migrate deploy`. Never generates any. */
export function migrateDeploy(databaseUrl: string, options: MigrateOptions = {}): Promise<DeployResult> {
  return withSchemaEngine('migrate deploy', databaseUrl, options, undefined, async ({ engine, migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: appliedMigrationNames };
  });
}

/** Compares the migrations folder with `_prisma_migrations`, like `prisma migrate status`. */
export function migrateStatus(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrationStatus> {
  return withSchemaEngine('migrate status', databaseUrl, options, undefined, async ({ engine, migrationsDir }) => {
    const migrationsList = await readMigrationsList(migrationsDir);
    const diagnostic = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    });
    const local = migrationsList.migrationDirectories.map((directory) => directory.path);
    const { history, hasMigrationsTable, failedMigrationNames } = diagnostic;
    const pending = history && history.diagnostic !== 'migrationsDirectoryIsBehind' ? history.unappliedMigrationNames : [];
    const notApplied = new Set([...pending, ...failedMigrationNames]);
    return {
      local,
      applied: hasMigrationsTable ? local.filter((migration) => !notApplied.has(migration)) : [],
      pending: hasMigrationsTable ? pending : local,
      failed: failedMigrationNames,
      edited: diagnostic.editedMigrationNames,
      missingLocally: history && history.diagnostic !== 'databaseIsBehind' ? history.unpersistedMigrationNames : [],
      hasMigrationsTable,
    };
  });
}
