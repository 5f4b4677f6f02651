/**
 * Entry point of the data-access module for the Next.js app: the process-wide
 * database handle configured from the environment.
 */
import { loadConfig } from '../config/env';
import { modelConfigFrom } from '../config/model';
import { sharedDb, type Db } from './connection';
import { coordinatorForSaga } from '../dtm/connector';
import { getSagaDetail as readSagaDetail, type SagaDetailRead } from './read';
import { readSagaVersion } from '../saga-view/version-store';
import type { SagaVersion } from '../saga-view/version';
import { getTopology as readTopology } from '../stats/store';
import type { TopologyQuery } from '../stats/query';
import type { TopologyResponse } from '../stats/types';

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

export { listSagas, getTrace, getSpan } from './read';

/**
 * One saga's detail as the page and the API show it, under this process's
 * configuration (model thresholds now, the span limit), or null when no such saga.
 */
export async function getSagaDetail(id: string): Promise<SagaDetailRead | null> {
  // DTM's view first (SAGASCOPE_DTM_SERVERS; bounded by its timeout, cached briefly, never throws): the model hears its word.
  const coordinator = await coordinatorForSaga(loadConfig(), id);
  return readSagaDetail(await getDb(), id, currentModelConfig(), sagaSpanLimit(), coordinator, loadConfig().SAGASCOPE_KEY_ATTRIBUTES);
}
export { getStats } from '../stats/store';

/** The service graph of a range or of one saga, under this process's configuration; null when the saga is not found. */
export async function getTopology(query: TopologyQuery): Promise<TopologyResponse | null> {
  return readTopology(await getDb(), query, currentModelConfig(), sagaSpanLimit());
}
export type { Db } from './connection';

/** A saga's version (lib/saga-view/version.ts) under this process's configuration, or null when no such saga. */
export async function getSagaVersion(id: string): Promise<SagaVersion | null> {
  const coordinator = await coordinatorForSaga(loadConfig(), id);
  return readSagaVersion(await getDb(), id, Date.now(), sagaSpanLimit(), coordinator);
}
