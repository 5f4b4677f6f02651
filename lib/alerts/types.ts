/** Alert rules and webhook deliveries as the store returns them and the admin API sends them. */

/** An alert rule as the admin API shows it (never its signing secret, which is shown once). */
export interface AlertRuleJson {
  id: string;
  name: string;
  kind: 'status' | 'anomaly' | 'failure_rate';
  enabled: boolean;
  sagaName: string | null;
  statuses: string[];
  anomalies: string[];
  threshold: number | null;
  windowMinutes: number | null;
  minSagas: number | null;
  webhookUrl: string;
  /** failure_rate: an episode is in progress since firingSince. */
  firing: boolean;
  firingSince: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** One webhook delivery (GET /api/admin/alerts/deliveries). */
export interface AlertDeliveryJson {
  id: string;
  ruleId: string;
  ruleName: string;
  event: string;
  sagaId: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface AlertDeliveryPage {
  items: AlertDeliveryJson[];
  nextCursor: string | null;
}
