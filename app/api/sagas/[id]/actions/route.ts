import { sagaIdSchema } from '@/lib/api/query';
import { auditActorOf } from '@/lib/auth/principal';
import { actionBodySchema } from '@/lib/actions/schemas';
import { actOnSaga } from '@/lib/actions/run';
import { actionEnvFor } from '../../../_lib/actions';
import { route } from '../../../_lib/route';
import { json, notFound } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * POST { action: "retry" | "compensate", step?, reason, dryRun?, planId?, override? } (operator, admin):
 * - dry run → 200 { plan } (plan.refusal set when it would be refused, plan.planId to confirm it;
 *   nothing is called or audited);
 * - a real run must carry the preview's planId: when the saga or the plan changed since → 409
 *   { error, stale: true, plan (the new one), audit } (nothing called; audited);
 * - refused by a safety rule or the network policy → 409 { error, rule, plan, audit } (nothing called;
 *   audited). An admin may override an overridable rule with override: { sagaId } (the id typed again);
 * - carried out → 200 { plan, results, audit, ok: true }, or 502 { error, plan, results, audit, ok: false }
 *   when a call did not succeed (non-2xx, refused at call time such as a redirect, timeout); later calls are not made.
 */
export const POST = route('POST /api/sagas/[id]/actions', { params: { id: sagaIdSchema }, body: actionBodySchema }, async ({ access, params, body }) => {
  const { action, step, reason, dryRun, planId, override } = body;
  const r = await actOnSaga(
    actionEnvFor(access.db),
    params.id,
    {
      action, ...(step !== undefined ? { step } : {}), reason: reason ?? '', dryRun,
      ...(planId !== undefined ? { planId } : {}), ...(override !== undefined ? { override } : {}),
    },
    auditActorOf(access.principal),
  );
  switch (r.kind) {
    case 'not_found':
      return notFound('saga not found');
    case 'preview':
      return json({ plan: r.plan });
    case 'stale':
      return json({ error: r.message, stale: true, plan: r.plan, audit: r.audit }, 409);
    case 'refused':
      return json({ error: r.plan.refusal, rule: r.plan.rule, plan: r.plan, audit: r.audit }, 409);
    case 'executed': {
      if (r.ok) return json({ ok: true, plan: r.plan, results: r.results, audit: r.audit });
      const failed = r.results.find((c) => c.outcome !== 'ok' && c.outcome !== 'not_called') ?? r.results.find((c) => c.error);
      const error = `call ${failed?.order ?? '?'} (${failed?.step ?? '?'}) did not succeed: ${failed?.error ?? 'unknown error'}`;
      return json({ ok: false, error, plan: r.plan, results: r.results, audit: r.audit }, 502);
    }
  }
});
