/**
 * One schema-engine instance bound to one database, for the length of a command.
 */
import { readFile } from 'node:fs/promises';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter, SchemasContainer } from '@prisma/schema-engine-wasm';
import { toMigrationError } from './engine-errors';
import { DEFAULT_MIGRATIONS_DIR } from './paths';
import { createMigrationAdapterFactory } from './pg-migration-adapter';
import { loadSchemaEngineClass } from './wasm-loader';

export interface MigrateOptions {
  /** Defaults to prisma/migrations in this repository. */
  migrationsDir?: string;
  /** Defaults to prisma/schema.prisma in this repository (used by `dev` only). */
  schemaPath?: string;
  /** Receives the engine's JSON log lines (debugging). */
  onEngineLog?: (line: string) => void;
}

// We manage every table in the schema; prisma.config.ts declares no external ones.
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface EngineSession {
  engine: SchemaEngine;
  migrationsDir: string;
}

export async function readSchema(schemaPath: string): Promise<SchemasContainer> {
  return { files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] };
}

/**
 * Runs `run` with a fresh engine, then frees it and closes every connection and
 * shadow database it left open, whatever happened. Errors come out as
 * MigrationError carrying the engine's message.
 */
export async function withSchemaEngine<T>(
  command: string,
  databaseUrl: string,
  options: MigrateOptions,
  schema: SchemasContainer | undefined,
  run: (session: EngineSession) => Promise<T>,
): Promise<T> {
  const adapterFactory = createMigrationAdapterFactory(databaseUrl);
  const boundFactory = bindMigrationAwareSqlAdapterFactory(adapterFactory);
  let engine: SchemaEngine | undefined;
  try {
    const SchemaEngineClass = await loadSchemaEngineClass();
    const datamodels = schema?.files.map((file): [string, string] => [file.path, file.content]);
    engine = await SchemaEngineClass.new({ datamodels }, options.onEngineLog ?? (() => {}), boundFactory);
    return await run({ engine, migrationsDir: options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR });
  } catch (error) {
    throw toMigrationError(error, boundFactory.errorRegistry, command);
  } finally {
    engine?.free();
    await adapterFactory.closeAll();
  }
}
