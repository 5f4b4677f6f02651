/**
 * `prisma migrate dev --name <name>` on the wasm schema engine.
 *
 * Differences from the CLI, and why:
 * - The migration script comes from `diff` (migrations → schema), not from
 *   `createMigration`. The wasm engine never receives the schema's preview
 *   features for its own introspection, so with `partialIndexes` createMigration
 *   does not see partial indexes already created by earlier migrations and
 *   re-creates them every time. `diff` parses the schema itself and gets them
 *   right; for anything else its script is byte-identical to createMigration's.
 * - It never resets the database and never prompts: a needed reset or a data
 *   loss warning is an error (unless `acceptDataLoss`).
 */
import type { MigrationList, SchemaEngine, SchemasContainer } from '@prisma/schema-engine-wasm';
import { MigrationError } from './migration-error';
import { NO_FILTERS, readSchema, withSchemaEngine, type MigrateOptions } from './engine-session';
import { lockFileContent, readMigrationsList, slugifyMigrationName, writeMigration } from './migrations-dir';
import { DEFAULT_SCHEMA_PATH } from './paths';

export interface DevOptions extends MigrateOptions {
  /** Create and apply the migration even if the engine warns about data loss. */
  acceptDataLoss?: boolean;
}

export interface DevResult {
  /** Pending migrations from the folder, applied before looking at the schema. */
  applied: string[];
  /** Directory name of the migration generated from schema changes, or null when there were none. */
  created: string | null;
}

const PROVIDER = 'postgresql';

/** `yyyyMMddHHmmss` in UTC, the prefix the engine gives migration directories. */
export function migrationTimestamp(now = new Date()): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

async function failIfResetNeeded(engine: SchemaEngine, migrationsList: MigrationList): Promise<void> {
  const { action } = await engine.devDiagnostic({ migrationsList, filters: NO_FILTERS });
  if (action.tag === 'reset') {
    throw new MigrationError(
      `migrate dev: the database needs a reset, which this tool never does.\n${action.reason}\n` +
        'Drop and recreate the development database (all data is lost), then run this again.',
    );
  }
}

/** SQL taking the migrations' end state to the schema, or null when they match. */
async function schemaChangesScript(
  engine: SchemaEngine,
  migrationsList: MigrationList,
  schema: SchemasContainer,
): Promise<string | null> {
  // With no migration yet there is no lock file, and diff refuses a migrations
  // source without one; createMigration assumes the provider the same way.
  const from = { ...migrationsList, lockfile: { ...migrationsList.lockfile } };
  from.lockfile.content ??= lockFileContent(PROVIDER);
  const { exitCode, stdout } = await engine.diff({
    from: { tag: 'migrations', ...from },
    to: { tag: 'schemaDatamodel', ...schema },
    script: true,
    exitCode: true, // 2 = non-empty diff
    filters: NO_FILTERS,
  });
  return exitCode === 2 && stdout ? stdout : null;
}

/** The comment createMigration puts at the top of a destructive migration. */
function warningsHeader(messages: string[]): string {
  if (messages.length === 0) return '';
  return `/*\n  Warnings:\n\n${messages.map((message) => `  - ${message}\n`).join('')}\n*/\n`;
}

/**
 * Applies pending migrations, then writes `<yyyyMMddHHmmss>_<name>/migration.sql`
 * for schema changes and applies it. Writes nothing when the schema matches.
 */
export async function migrateDev(databaseUrl: string, name: string, options: DevOptions = {}): Promise<DevResult> {
  const schema = await readSchema(options.schemaPath ?? DEFAULT_SCHEMA_PATH);
  return withSchemaEngine('migrate dev', databaseUrl, options, schema, async ({ engine, migrationsDir }) => {
    let migrationsList = await readMigrationsList(migrationsDir);

    // The diagnostic also computes the migrations' end state on a shadow database
    // and caches it; evaluateDataLoss needs that cache ("shadow DB must be
    // provided through an external factory" without it), and applying migrations
    // invalidates it, hence the second diagnostic.
    await failIfResetNeeded(engine, migrationsList);
    const { appliedMigrationNames: applied } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    if (applied.length > 0) await failIfResetNeeded(engine, migrationsList);

    const script = await schemaChangesScript(engine, migrationsList, schema);
    if (script === null) return { applied, created: null };

    const impact = await engine.evaluateDataLoss({ migrationsList, schema, filters: NO_FILTERS });
    if (impact.unexecutableSteps.length > 0) {
      throw new MigrationError(
        'migrate dev: the schema change cannot be applied to this database:\n' +
          impact.unexecutableSteps.map((step) => `  • ${step.message}`).join('\n'),
      );
    }
    const warnings = impact.warnings.map((step) => step.message);
    if (warnings.length > 0 && !options.acceptDataLoss) {
      throw new MigrationError(
        'migrate dev: the schema change may lose data:\n' +
          warnings.map((message) => `  • ${message}`).join('\n') +
          '\nRe-run with --accept-data-loss to create and apply it anyway.',
      );
    }
    const slug = slugifyMigrationName(name);
    if (!slug) throw new MigrationError('migrate dev: the schema changed; give the new migration a name');

    const generatedMigrationName = `${migrationTimestamp()}_${slug}`;
    await writeMigration(migrationsDir, {
      generatedMigrationName,
      migrationScript: warningsHeader(warnings) + script,
      extension: 'sql',
      connectorType: PROVIDER,
    });
    migrationsList = await readMigrationsList(migrationsDir);
    await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied, created: generatedMigrationName };
  });
}
