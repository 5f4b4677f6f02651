/**
 * The one way to turn a saga's stored spans into its model (issue #14, "one
 * saga, several models"): the saga page, the summary written on ingest, the
 * action planner, the per-saga topology and the rollup backfill all cut an
 * oversized saga the same way (SAGASCOPE_MAX_SAGA_SPANS, earliest spans first)
 * and evaluate it under the same model configuration, so an operator acts on
 * exactly the saga the page shows.
 */
import type { Sql } from '../db/connection';
import type { ModelConfig, Saga, SagaSpan } from './types';
import { buildSaga } from './model';
import { capSagaSpans, loadSagaSpans } from './span-store';

export interface ModelledSaga {
  saga: Saga;
  /** The spans the model saw (at most maxSagaSpans of them). */
  spans: SagaSpan[];
  /** Spans stored for the saga (≥ spans.length). */
  storedSpans: number;
  capped: boolean;
}

/** Models already-loaded spans of one saga under the size cap. */
export function modelSagaSpans(id: string, all: SagaSpan[], cfg: ModelConfig, maxSagaSpans: number): ModelledSaga {
  const { spans, capped } = capSagaSpans(all, maxSagaSpans);
  return { saga: buildSaga(id, spans, cfg), spans, storedSpans: all.length, capped };
}

/** Loads and models the given sagas; a saga with no stored span is absent from the result. */
export async function loadSagaModels(
  sql: Sql, ids: readonly string[], cfg: ModelConfig, maxSagaSpans: number,
): Promise<Map<string, ModelledSaga>> {
  const out = new Map<string, ModelledSaga>();
  for (const [id, all] of await loadSagaSpans(sql, ids)) {
    if (all.length > 0) out.set(id, modelSagaSpans(id, all, cfg, maxSagaSpans));
  }
  return out;
}

export async function loadSagaModel(sql: Sql, id: string, cfg: ModelConfig, maxSagaSpans: number): Promise<ModelledSaga | null> {
  return (await loadSagaModels(sql, [id], cfg, maxSagaSpans)).get(id) ?? null;
}
