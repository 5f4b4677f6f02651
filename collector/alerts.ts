/**
 * The collector's alert loops: the webhook sender (every
 * SAGASCOPE_ALERT_INTERVAL_MS) and the failure-rate evaluator (every
 * SAGASCOPE_ALERT_RATE_INTERVAL_MS). Status and anomaly alerts are queued by
 * the ingest and timed-transition transactions themselves. Several collectors
 * are safe: deliveries are claimed with SKIP LOCKED, rate rules decided under
 * their row lock.
 */
import type { Db } from '../lib/db/connection';
import type { Config } from '../lib/config/env';
import { deliverDue, type DeliveryPassResult } from '../lib/alerts/deliver';
import { backoffPolicyFrom, webhookPolicyFrom } from '../lib/alerts/policy';
import { evaluateRateRules, type RateEvaluation } from '../lib/alerts/rate-store';
import { startPeriodic, type PeriodicTask } from './periodic';

export interface AlertLoops {
  delivery: PeriodicTask<DeliveryPassResult>;
  rate: PeriodicTask<RateEvaluation[]>;
  stop(): Promise<void>;
}

export function startAlertLoops(db: Db, config: Config, now: () => number = Date.now): AlertLoops {
  const env = {
    db,
    policy: webhookPolicyFrom(config),
    backoff: backoffPolicyFrom(config),
    publicUrl: config.SAGASCOPE_PUBLIC_URL,
    now,
  };
  const delivery = startPeriodic('alert delivery', config.SAGASCOPE_ALERT_INTERVAL_MS, (stopped) => deliverDue(env, stopped));
  const rate = startPeriodic('failure-rate alerts', config.SAGASCOPE_ALERT_RATE_INTERVAL_MS, () => evaluateRateRules(db, now()));
  return {
    delivery,
    rate,
    async stop() {
      await Promise.all([delivery.stop(), rate.stop()]);
    },
  };
}
