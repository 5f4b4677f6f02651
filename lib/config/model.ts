import type { Config } from './env';
import type { ModelConfig } from '../saga/types';

/** Saga-model thresholds from the environment, evaluated at `nowMs`. */
export function modelConfigFrom(
  config: Pick<Config, 'SAGASCOPE_STUCK_AFTER_MS' | 'SAGASCOPE_FAILED_GRACE_MS' | 'SAGASCOPE_MAX_ATTEMPTS' | 'SAGASCOPE_SAGA_NAME_RULES'>,
  nowMs: number,
): ModelConfig {
  return {
    nowMs,
    stuckAfterMs: config.SAGASCOPE_STUCK_AFTER_MS,
    failedGraceMs: config.SAGASCOPE_FAILED_GRACE_MS,
    maxAttempts: config.SAGASCOPE_MAX_ATTEMPTS,
    // One rule set on ingest (summary name) and on read (saga page): every caller passes the loaded config.
    nameRules: config.SAGASCOPE_SAGA_NAME_RULES,
  };
}
