import { parseSagaListQuery } from '@/lib/api/query';
import { auditActorOf } from '@/lib/auth/principal';
import { batchBodySchema } from '@/lib/actions/schemas';
import { actOnSelection, previewSelection } from '@/lib/actions/run';
import { actionEnvFor } from '../../_lib/actions';
import { route } from '../../_lib/route';
import { badRequest, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * (operator, admin) A manual action over several sagas, in two requests:
 * - preview: { filter: { status?, name?, service?, anomaly?, from?, to?, q? }, action, step?, dryRun: true, limit? }
 *   → the newest `limit` (≤ 100, default 20) sagas matching the saga list's filter, each planned:
 *   200 { dryRun, action, selected, counts, items: [{ sagaId, name, status, outcome, plan, results, error }], selection: [{ sagaId, planId }] };
 * - act: { selection, action, step?, reason, filter? } with exactly the preview's `selection`: those sagas
 *   only (the filter is not run again; it is recorded in the audit trail), each carried out on its own
 *   when its plan is still the one previewed (else outcome `stale`, nothing called). One saga's failure
 *   does not stop the others.
 */
export const POST = route('POST /api/sagas/actions', { body: batchBodySchema }, async ({ access, body }) => {
  const { filter, action, step, reason, dryRun, limit, selection } = body;
  const filterText: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter)) if (typeof v === 'string' && v.trim() !== '') filterText[k] = v.trim();
  const env = actionEnvFor(access.db);
  const actor = auditActorOf(access.principal);
  const stepPart = step !== undefined ? { step } : {};
  if (!dryRun) return json(await actOnSelection(env, { action, ...stepPart, reason: reason ?? '', selection: selection!, filterText }, actor));
  const query = parseSagaListQuery({ ...filterText, limit: String(limit) });
  if (!query.ok) return badRequest(`filter: ${query.error}`);
  return json(await previewSelection(env, { action, ...stepPart, filter: query.value }, actor));
});
