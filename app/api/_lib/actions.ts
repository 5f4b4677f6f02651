/** Wiring of the manual-action routes: policy and model thresholds from the configuration, the UI's own tracer. */
import { trace, type Tracer } from '@opentelemetry/api';
import type { Db } from '@/lib/db';
import { currentModelConfig } from '@/lib/db';
import { loadConfig } from '@/lib/config/env';
import { actionPolicyFrom } from '@/lib/actions/policy';
import type { ActionEnv } from '@/lib/actions/run';
import { ACTIONS_SCOPE, selfTelemetry, type SelfTelemetry } from '@/lib/telemetry/self';
import { log, errorFields } from '@/lib/log';
import { dtmConnector } from '@/lib/dtm/connector';

/** How long an action waits for its manual spans to reach the collector before answering. */
const FLUSH_TIMEOUT_MS = 5_000;

export function actionEnvFor(db: Db): ActionEnv {
  const config = loadConfig();
  // Started on the first action that calls anything (dry runs and refusals need no tracing).
  let telemetry: SelfTelemetry | null = null;
  const tracer = (): Tracer => {
    try {
      telemetry ??= selfTelemetry(config);
      return telemetry.tracer;
    } catch (err) {
      // Actions must still work (and be audited) when the UI's tracing cannot start.
      log.error('manual-action tracing could not start: actions run without their spans', errorFields(err));
      return trace.getTracer(ACTIONS_SCOPE);
    }
  };
  return {
    db,
    policy: actionPolicyFrom(config),
    modelConfig: () => currentModelConfig(),
    maxSagaSpans: config.SAGASCOPE_MAX_SAGA_SPANS,
    tracer,
    flushSpans: () => telemetry?.flush(FLUSH_TIMEOUT_MS) ?? Promise.resolve(true),
    dtm: dtmConnector(config),
  };
}
