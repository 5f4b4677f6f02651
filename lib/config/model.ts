import type { Config } from './env';
import type { ModelConfig } from '../saga/types';

/** Saga-model thresholds from the environment, evaluated at `nowMs`. */
export function modelConfigFrom(config: Pick<Config, 'SAGASCOPE_STUCK_AFTER_MS' | 'SAGASCOPE_FAILED_GRACE_MS' | 'SAGASCOPE_MAX_ATTEMPTS'>, nowMs: number): ModelConfig {
  return {
    nowMs,
    stuckAfterMs: config.SAGASCOPE_STUCK_AFTER_MS,
    failedGraceMs: config.SAGASCOPE_FAILED_GRACE_MS,
    maxAttempts: config.SAGASCOPE_MAX_ATTEMPTS,
  };
}
