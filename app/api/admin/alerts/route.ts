import { auditActorOf } from '@/lib/auth/principal';
import { alertRuleInputSchema } from '@/lib/alerts/rule-schema';
import { createAlertRule, listAlertRules } from '@/lib/alerts/store';
import { route } from '../../_lib/route';
import { badRequest, json } from '../../_lib/respond';
import { refuseWebhookUrl } from '../../_lib/alert-policy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { rules } without secrets (admin). */
export const GET = route('GET /api/admin/alerts', async ({ access }) => json({ rules: await listAlertRules(access.db) }));

/** POST rule → 201 { rule, secret }: the only time the signing secret is shown (admin). */
export const POST = route('POST /api/admin/alerts', { body: alertRuleInputSchema }, async ({ access, body }) => {
  const refusal = refuseWebhookUrl(body.webhookUrl);
  if (refusal) return badRequest(refusal);
  const created = await createAlertRule(access.db, auditActorOf(access.principal), body);
  return json({ rule: created.rule, secret: created.secret }, 201);
});
