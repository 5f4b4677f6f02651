/**
 * Offline `prisma migrate` for sagascope (the CLI's native engine cannot be
 * downloaded here). Used by the npm scripts:
 *   npm run db:migrate                       apply pending migrations (deploy)
 *   npm run db:migrate:dev -- <name>         create + apply a migration for schema changes
 *   npm run db:status                        list applied / pending migrations
 * Online, `npx prisma migrate deploy|dev|status` work on the same folder and table.
 */
import path from 'node:path';
import { z } from 'zod';
import { MigrationError, migrateDeploy, migrateDev, migrateStatus } from '../lib/db/migrations/schema-engine';
import { DEFAULT_MIGRATIONS_DIR } from '../lib/db/migrations/paths';

const USAGE = `usage: tsx prisma/migrate.ts <command>
  deploy                                apply pending migrations
  dev [<name> | --name <name>] [--accept-data-loss]
                                        apply pending migrations, then create and apply
                                        a migration for schema changes (if any)
  status                                show applied and pending migrations (exit 1 if not up to date)`;

const envSchema = z.object({
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is not set (e.g. postgresql://user@localhost:5432/sagascope)' })
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// or postgresql:// URL'),
});

class UsageError extends Error {}

function readDatabaseUrl(): string {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  return parsed.data.DATABASE_URL;
}

interface DevArgs {
  name: string;
  acceptDataLoss: boolean;
}

function parseDevArgs(args: string[]): DevArgs {
  const result: DevArgs = { name: '', acceptDataLoss: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--accept-data-loss') result.acceptDataLoss = true;
    else if (arg === '--name' || arg === '-n') result.name = args[++i] ?? '';
    else if (arg.startsWith('--name=')) result.name = arg.slice('--name='.length);
    else if (!arg.startsWith('-') && !result.name) result.name = arg;
    else throw new UsageError(`unknown argument for dev: ${arg}`);
  }
  return result;
}

const relativeMigrationsDir = path.relative(process.cwd(), DEFAULT_MIGRATIONS_DIR) || '.';

function printList(title: string, names: string[]): void {
  console.log(title);
  for (const name of names) console.log(`  ${relativeMigrationsDir}/${name}/migration.sql`);
}

async function deploy(): Promise<number> {
  const started = performance.now();
  const { applied } = await migrateDeploy(readDatabaseUrl());
  if (applied.length === 0) console.log('No pending migrations to apply.');
  else printList(`Applied ${applied.length} migration(s):`, applied);
  console.log(`Done in ${Math.round(performance.now() - started)} ms.`);
  return 0;
}

async function dev(args: string[]): Promise<number> {
  const { name, acceptDataLoss } = parseDevArgs(args);
  const started = performance.now();
  const { applied, created } = await migrateDev(readDatabaseUrl(), name, { acceptDataLoss });
  if (applied.length > 0) printList(`Applied ${applied.length} pending migration(s):`, applied);
  if (created) printList('Created and applied a migration for the schema changes:', [created]);
  else console.log('No schema changes: no migration created.');
  console.log(`Done in ${Math.round(performance.now() - started)} ms.`);
  return 0;
}

async function status(): Promise<number> {
  const report = await migrateStatus(readDatabaseUrl());
  console.log(`${report.local.length} migration(s) in ${relativeMigrationsDir}`);
  printList(`Applied (${report.applied.length}):`, report.applied);
  printList(`Pending (${report.pending.length}):`, report.pending);
  if (report.failed.length > 0) printList('Failed (fix, then `prisma migrate resolve`):', report.failed);
  if (report.edited.length > 0) printList('Edited after being applied (checksum differs):', report.edited);
  if (report.missingLocally.length > 0) {
    console.log('Applied to the database but missing from the folder:');
    for (const name of report.missingLocally) console.log(`  ${name}`);
  }
  const upToDate =
    report.pending.length === 0 && report.failed.length === 0 && report.missingLocally.length === 0;
  console.log(upToDate ? 'Database schema is up to date.' : 'Database is not up to date.');
  return upToDate ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'deploy':
      return deploy();
    case 'dev':
      return dev(rest);
    case 'status':
      return status();
    default:
      throw new UsageError(command ? `unknown command: ${command}` : 'missing command');
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) console.error(`${error.message}\n\n${USAGE}`);
    else if (error instanceof MigrationError) console.error(error.message);
    else console.error(error);
    process.exitCode = 1;
  },
);
