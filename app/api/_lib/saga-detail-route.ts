/**
 * The GET routes that answer from one saga's detail (`/api/sagas/[id]` and its
 * timeline rows): same permission check, id validation, cached model and error
 * answers, so the two cannot drift apart.
 */
import { sagaIdSchema, formatZodError } from '@/lib/api/query';
import { currentModelConfig, getDb, getSagaDetail, sagaSpanLimit } from '@/lib/db';
import { guard } from '@/lib/auth/guard';
import type { RouteKey } from '@/lib/auth/routes';
import { badRequest, internalError, notFound } from './respond';
import { loadConfig } from '@/lib/config/env';
import { coordinatorForSaga } from '@/lib/dtm/connector';

type SagaDetail = NonNullable<Awaited<ReturnType<typeof getSagaDetail>>>;

export async function answerFromSagaDetail(
  request: Request,
  ctx: { params: Promise<{ id: string }> },
  route: RouteKey,
  answer: (detail: SagaDetail) => Response | Promise<Response>,
): Promise<Response> {
  const access = await guard(request, route);
  if (!access.ok) return access.response;
  const parsed = sagaIdSchema.safeParse((await ctx.params).id);
  if (!parsed.success) return badRequest(`id: ${formatZodError(parsed.error)}`);
  try {
    // DTM's view first (bounded by SAGASCOPE_DTM_TIMEOUT_MS, cached briefly): the model hears its word.
    const coordinator = await coordinatorForSaga(loadConfig(), parsed.data);
    const detail = await getSagaDetail(await getDb(), parsed.data, currentModelConfig(), sagaSpanLimit(), coordinator);
    if (!detail) return notFound('saga not found');
    return await answer(detail);
  } catch (err) {
    return internalError(route, err);
  }
}
