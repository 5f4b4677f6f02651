import { guard } from '@/lib/auth/guard';
import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { alertRulePatchSchema } from '@/lib/alerts/rule-schema';
import { deleteAlertRule, updateAlertRule } from '@/lib/alerts/store';
import { readJson } from '../../../_lib/body';
import { badRequest, internalError, json, notFound } from '../../../_lib/respond';
import { refuseWebhookUrl } from '../../../_lib/alert-policy';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** PATCH {name?, enabled?, sagaName?, webhookUrl?, condition fields?, rotateSecret?} → { rule, secret? } (admin). */
export async function PATCH(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'PATCH /api/admin/alerts/[id]');
  if (!access.ok) return access.response;
  const id = uuidSchema.safeParse((await ctx.params).id);
  if (!id.success) return notFound('no such alert rule');
  const body = await readJson(request, alertRulePatchSchema);
  if (!body.ok) return body.response;
  const refusal = body.value.webhookUrl === undefined ? null : refuseWebhookUrl(body.value.webhookUrl);
  if (refusal) return badRequest(refusal);
  try {
    const result = await updateAlertRule(access.db, auditActorOf(access.principal), id.data, body.value);
    if (!result.ok) return json({ error: result.error }, result.status);
    return json(result.secret === null ? { rule: result.rule } : { rule: result.rule, secret: result.secret });
  } catch (err) {
    return internalError('PATCH /api/admin/alerts/[id]', err);
  }
}

/** DELETE → the rule and its delivery log are removed (admin). */
export async function DELETE(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const access = await guard(request, 'DELETE /api/admin/alerts/[id]');
  if (!access.ok) return access.response;
  const id = uuidSchema.safeParse((await ctx.params).id);
  if (!id.success) return notFound('no such alert rule');
  try {
    const result = await deleteAlertRule(access.db, auditActorOf(access.principal), id.data);
    return result.ok ? json({ deleted: id.data }) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('DELETE /api/admin/alerts/[id]', err);
  }
}
