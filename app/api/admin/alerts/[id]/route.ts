import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { alertRulePatchSchema } from '@/lib/alerts/rule-schema';
import { deleteAlertRule, updateAlertRule } from '@/lib/alerts/store';
import { route, notFoundUnless } from '../../../_lib/route';
import { badRequest, json } from '../../../_lib/respond';
import { refuseWebhookUrl } from '../../../_lib/alert-policy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const id = notFoundUnless(uuidSchema, 'no such alert rule');

/** PATCH {name?, enabled?, sagaName?, webhookUrl?, condition fields?, rotateSecret?} → { rule, secret? } (admin). */
export const PATCH = route('PATCH /api/admin/alerts/[id]', { params: { id }, body: alertRulePatchSchema }, async ({ access, params, body }) => {
  const refusal = body.webhookUrl === undefined ? null : refuseWebhookUrl(body.webhookUrl);
  if (refusal) return badRequest(refusal);
  const result = await updateAlertRule(access.db, auditActorOf(access.principal), params.id, body);
  if (!result.ok) return json({ error: result.error }, result.status);
  return json(result.secret === null ? { rule: result.rule } : { rule: result.rule, secret: result.secret });
});

/** DELETE → the rule and its delivery log are removed (admin). */
export const DELETE = route('DELETE /api/admin/alerts/[id]', { params: { id } }, async ({ access, params }) => {
  const result = await deleteAlertRule(access.db, auditActorOf(access.principal), params.id);
  return result.ok ? json({ deleted: params.id }) : json({ error: result.error }, result.status);
});
