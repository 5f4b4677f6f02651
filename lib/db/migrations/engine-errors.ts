import type { ErrorRegistry } from '@prisma/driver-adapter-utils';
import { MigrationError } from './migration-error';
import { lastWasmPanicMessage } from './wasm-loader';

const EXTERNAL_ERROR_ID = /External error id#(\d+)/;

/**
 * Turns what the wasm engine throws into a MigrationError:
 * - user-facing errors carry a Prisma code (P3xxx) and a complete message;
 * - errors raised in our JS adapter come back as "External error id#N", the
 *   original error waiting in the adapter's registry;
 * - Rust panics arrive as a RuntimeError whose text sits in the panic registry.
 */
export function toMigrationError(error: unknown, registry: ErrorRegistry, command: string): MigrationError {
  if (error instanceof MigrationError) return error;
  if (!(error instanceof Error)) return new MigrationError(`${command}: ${String(error)}`);

  if (error.name === 'RuntimeError') {
    const panic = lastWasmPanicMessage() || error.message;
    return new MigrationError(`${command}: schema engine panicked: ${panic}`, undefined, { cause: error });
  }

  const code = (error as { code?: unknown }).code;
  let message = error.message;
  const externalId = EXTERNAL_ERROR_ID.exec(message)?.[1];
  const external = externalId === undefined ? undefined : registry.consumeError(Number(externalId))?.error;
  if (external !== undefined) {
    message += `\nCaused by: ${external instanceof Error ? external.message : String(external)}`;
  }
  return new MigrationError(`${command}: ${message}`, typeof code === 'string' ? code : undefined, {
    cause: external ?? error,
  });
}
