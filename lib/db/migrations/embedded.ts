/**
 * Applies prisma/migrations to an in-process PGlite database.
 *
 * The schema engine cannot drive PGlite in-process (it needs a driver adapter
 * with a shadow database factory, and its `dev` crashes on PGlite), and `deploy`
 * is simple enough to mirror: run each pending migration.sql and record it in
 * `_prisma_migrations` exactly as the engine does (same table, uuid ids, sha256
 * checksums, applied_steps_count = 1), so the history reads the same to
 * `prisma migrate status` should the data ever be served over pglite-socket.
 *
 * One deliberate difference: a migration runs in a transaction together with
 * its bookkeeping, so a failure leaves no trace and the next start retries;
 * the engine instead records the failed attempt and blocks until someone runs
 * `prisma migrate resolve`, which an embedded user has no way to do.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { MigrationError } from './migration-error';
import { readMigrationsList } from './migrations-dir';

/** The engine's own DDL (schema-engine, Postgres flavour). */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

interface MigrationRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

/** sha256 of the script, lowercase hex: what the engine stores as `checksum`. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

function assertPostgresLockfile(lockfileContent: string | null): void {
  const provider = lockfileContent?.match(/^\s*provider\s*=\s*"([^"]*)"/m)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationError(`migrations were generated for "${provider}", not postgresql (migration_lock.toml)`);
  }
}

/** Same refusal as `prisma migrate deploy` (P3009) when an attempt failed. */
function assertNoFailedMigrations(rows: MigrationRow[]): void {
  const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length === 0) return;
  const details = failed
    .map((row) => {
      const logs = row.logs?.trim() ? ` with the following logs:\n${row.logs.trim()}` : '';
      return `The \`${row.migration_name}\` migration started at ${row.started_at.toISOString()} failed${logs}`;
    })
    .join('\n');
  throw new MigrationError(`migrate found failed migrations in the target database:\n${details}`, 'P3009');
}

/** Applies pending migrations in name order; returns the names applied. */
export async function applyMigrationsToPglite(db: PGlite, migrationsDir: string): Promise<string[]> {
  const { lockfile, migrationDirectories } = await readMigrationsList(migrationsDir);
  assertPostgresLockfile(lockfile.content);

  await db.exec(CREATE_MIGRATIONS_TABLE);
  const { rows } = await db.query<MigrationRow>(
    'SELECT migration_name, finished_at, rolled_back_at, started_at, logs FROM _prisma_migrations ORDER BY started_at',
  );
  assertNoFailedMigrations(rows);
  const done = new Set(rows.filter((row) => row.rolled_back_at === null).map((row) => row.migration_name));

  const applied: string[] = [];
  for (const directory of migrationDirectories) {
    if (done.has(directory.path)) continue;
    const { content } = directory.migrationFile;
    if (content.tag === 'error') {
      throw new MigrationError(`cannot read ${directory.path}/migration.sql: ${content.value}`);
    }
    try {
      await db.transaction(async (tx) => {
        const id = randomUUID();
        await tx.query(
          `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name)
           VALUES ($1, $2, clock_timestamp(), $3)`,
          [id, migrationChecksum(content.value), directory.path],
        );
        await tx.exec(content.value);
        await tx.query(
          `UPDATE _prisma_migrations
           SET applied_steps_count = applied_steps_count + 1, finished_at = clock_timestamp()
           WHERE id = $1`,
          [id],
        );
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new MigrationError(`migration ${directory.path} failed and was rolled back: ${reason}`, undefined, {
        cause: error,
      });
    }
    applied.push(directory.path);
  }
  return applied;
}
