import type { ModelConfig } from './types';

/**
 * Thresholds of the saga model. `nowMs` is deliberately absent: the model is pure,
 * so the caller decides which instant a saga is evaluated at (ingest time on
 * write, request time on read, a fixed instant in tests).
 */
export const DEFAULT_MODEL_CONFIG: Readonly<Omit<ModelConfig, 'nowMs'>> = Object.freeze({
  stuckAfterMs: 300_000,
  failedGraceMs: 60_000,
  maxAttempts: 5,
});

export type ModelConfigInput = Partial<Omit<ModelConfig, 'nowMs'>> & { nowMs: number };

/**
 * Defaults overlaid with `partial`. Keys set to `undefined` keep their default, so
 * optional settings read from the environment can be passed through as they are.
 * Throws a RangeError on values that would make the model meaningless (negative
 * or non-finite thresholds) rather than producing surprising statuses later.
 */
export function modelConfig(partial: ModelConfigInput): ModelConfig {
  const cfg: ModelConfig = {
    nowMs: partial.nowMs,
    stuckAfterMs: partial.stuckAfterMs ?? DEFAULT_MODEL_CONFIG.stuckAfterMs,
    failedGraceMs: partial.failedGraceMs ?? DEFAULT_MODEL_CONFIG.failedGraceMs,
    maxAttempts: partial.maxAttempts ?? DEFAULT_MODEL_CONFIG.maxAttempts,
    nameRules: partial.nameRules ?? [],
  };
  if (!Number.isFinite(cfg.nowMs)) throw new RangeError(`nowMs must be a finite number, got ${cfg.nowMs}`);
  for (const k of ['stuckAfterMs', 'failedGraceMs', 'maxAttempts'] as const) {
    if (!Number.isFinite(cfg[k]) || cfg[k] < 0) {
      throw new RangeError(`${k} must be a finite number >= 0, got ${cfg[k]}`);
    }
  }
  return cfg;
}
