import { guard } from '@/lib/auth/guard';
import { auditActorOf } from '@/lib/auth/principal';
import { alertRuleInputSchema } from '@/lib/alerts/rule-schema';
import { createAlertRule, listAlertRules } from '@/lib/alerts/store';
import { readJson } from '../../_lib/body';
import { badRequest, internalError, json } from '../../_lib/respond';
import { refuseWebhookUrl } from '../../_lib/alert-policy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { rules } without secrets (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/admin/alerts');
  if (!access.ok) return access.response;
  try {
    return json({ rules: await listAlertRules(access.db) });
  } catch (err) {
    return internalError('GET /api/admin/alerts', err);
  }
}

/** POST rule → 201 { rule, secret }: the only time the signing secret is shown (admin). */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/admin/alerts');
  if (!access.ok) return access.response;
  const body = await readJson(request, alertRuleInputSchema);
  if (!body.ok) return body.response;
  const refusal = refuseWebhookUrl(body.value.webhookUrl);
  if (refusal) return badRequest(refusal);
  try {
    const created = await createAlertRule(access.db, auditActorOf(access.principal), body.value);
    return json({ rule: created.rule, secret: created.secret }, 201);
  } catch (err) {
    return internalError('POST /api/admin/alerts', err);
  }
}
