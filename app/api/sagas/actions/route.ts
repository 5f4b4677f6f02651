import { parseSagaListQuery } from '@/lib/api/query';
import { guard } from '@/lib/auth/guard';
import { auditActorOf } from '@/lib/auth/principal';
import { batchBodySchema } from '@/lib/actions/schemas';
import { actOnSelection } from '@/lib/actions/run';
import { readJson } from '../../_lib/body';
import { actionEnvFor } from '../../_lib/actions';
import { badRequest, internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * POST { filter: { status?, name?, service?, anomaly?, from?, to?, q? }, action, step?, reason, dryRun?, limit? }
 * (operator, admin): the newest `limit` (≤ 100, default 20) sagas matching the
 * saga list's filter, each planned and carried out on its own → 200 { dryRun,
 * action, selected, counts, items: [{ sagaId, name, status, outcome, plan,
 * results, error }], audit }. One saga's failure does not stop the others.
 */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/sagas/actions');
  if (!access.ok) return access.response;
  const body = await readJson(request, batchBodySchema);
  if (!body.ok) return body.response;
  const { filter, action, step, reason, dryRun, limit } = body.value;
  const filterText: Record<string, string> = {};
  for (const [k, v] of Object.entries(filter)) if (typeof v === 'string' && v.trim() !== '') filterText[k] = v.trim();
  const query = parseSagaListQuery({ ...filterText, limit: String(limit) });
  if (!query.ok) return badRequest(`filter: ${query.error}`);
  try {
    const report = await actOnSelection(
      actionEnvFor(access.db),
      { action, ...(step !== undefined ? { step } : {}), reason: reason ?? '', dryRun, filter: query.value, filterText },
      auditActorOf(access.principal),
    );
    return json(report);
  } catch (err) {
    return internalError('POST /api/sagas/actions', err);
  }
}
