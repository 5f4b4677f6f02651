/** The webhook policy of the alert routes, from this process's configuration. */
import { loadConfig } from '@/lib/config/env';
import { webhookPolicyFrom, webhookUrlProblem } from '@/lib/alerts/policy';

/** A 400 message when the URL may not be saved, else null. */
export function refuseWebhookUrl(url: string): string | null {
  return webhookUrlProblem(url, webhookPolicyFrom(loadConfig()));
}
