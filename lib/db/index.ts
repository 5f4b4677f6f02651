/**
 * Entry point of the data-access module for the Next.js app: the process-wide
 * database handle configured from the environment.
 */
import { loadConfig } from '../config/env';
import { modelConfigFrom } from '../config/model';
import { sharedDb, type Db } from './connection';

export function getDb(): Promise<Db> {
  return sharedDb(loadConfig());
}

/** SAGASCOPE_MAX_SAGA_SPANS: the part of an oversized saga the model covers (lib/saga/span-store.ts). */
export function sagaSpanLimit(): number {
  return loadConfig().SAGASCOPE_MAX_SAGA_SPANS;
}

export function currentModelConfig(nowMs: number = Date.now()) {
  return modelConfigFrom(loadConfig(), nowMs);
}

export { listSagas, getSagaDetail, getTrace, getSpan } from './read';
export { getStats, getTopology } from '../stats/store';
export type { Db } from './connection';
