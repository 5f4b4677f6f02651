/**
 * Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm).
 *
 * The package's entry point does `import * as wasm from "./schema_engine_bg.wasm"`,
 * which plain Node (without --experimental-wasm-modules) cannot load, so we
 * instantiate the .wasm ourselves and hand it to the generated JS glue.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { SchemaEngine } from '@prisma/schema-engine-wasm';

type EngineGlue = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

export type SchemaEngineClass = typeof SchemaEngine;

/**
 * The glue's panic hook calls `global.PRISMA_WASM_PANIC_REGISTRY.set_message()`.
 * Without it a Rust panic surfaces as a bare "unreachable" RuntimeError (or a
 * TypeError from the hook itself), hiding the actual reason.
 */
class WasmPanicRegistry {
  private message = '';
  get(): string {
    return this.message;
  }
  set_message(message: string): void {
    this.message = `RuntimeError: ${message}`;
  }
}

const globalWithRegistry = globalThis as typeof globalThis & {
  PRISMA_WASM_PANIC_REGISTRY?: WasmPanicRegistry;
};
globalWithRegistry.PRISMA_WASM_PANIC_REGISTRY ??= new WasmPanicRegistry();

/** The last panic message recorded by the engine, if any. */
export function lastWasmPanicMessage(): string {
  return globalWithRegistry.PRISMA_WASM_PANIC_REGISTRY?.get() ?? '';
}

let loaded: Promise<SchemaEngineClass> | undefined;

/** The SchemaEngine class, backed by one wasm instance shared by the process. */
export function loadSchemaEngineClass(): Promise<SchemaEngineClass> {
  loaded ??= instantiate().catch((error: unknown) => {
    loaded = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  return loaded;
}

function gluePath(): string {
  return createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
}

// Imported by absolute URL: a bare specifier fails when tsx evaluates this file as
// CommonJS on behalf of an ES module importer.
function importGlue(): Promise<EngineGlue> {
  return import(pathToFileURL(gluePath()).href) as Promise<EngineGlue>;
}

/**
 * The engine arms 10 s and 60 s timeouts around its work and, lacking a
 * clearTimeout import, never cancels them: a finished command would keep Node
 * alive for a minute. Unref'd timers still fire while work is pending (open
 * sockets keep the process up) but no longer hold an idle process open.
 */
function withUnrefTimers(glue: EngineGlue): WebAssembly.ModuleImports {
  const imports: Record<string, unknown> = { ...glue };
  for (const name of Object.keys(imports).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    imports[name] = (callback: () => void, delayMs: number) => setTimeout(callback, delayMs >>> 0).unref();
  }
  return imports as WebAssembly.ModuleImports;
}

async function instantiate(): Promise<SchemaEngineClass> {
  const wasmPath = gluePath().replace(/\.js$/, '.wasm');
  const glue = await importGlue();
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
    './schema_engine_bg.js': withUnrefTimers(glue),
  });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue.SchemaEngine;
}

/** Version string of the wasm engine build (commit hash of prisma-engines). */
export async function schemaEngineVersion(): Promise<string> {
  await loadSchemaEngineClass();
  return (await importGlue()).version();
}
