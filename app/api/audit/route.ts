import { guard } from '@/lib/auth/guard';
import { parseAuditListQuery } from '@/lib/api/audit-query';
import { listAudit } from '@/lib/audit/store';
import { badRequest, internalError, json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?from=&to=&actor=&action=&saga=&outcome=&limit=&cursor= → { items, nextCursor }, newest first (auditor, admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/audit');
  if (!access.ok) return access.response;
  const parsed = parseAuditListQuery(new URL(request.url).searchParams);
  if (!parsed.ok) return badRequest(parsed.error);
  const q = parsed.value;
  try {
    return json(
      await listAudit(access.db, {
        from: q.from,
        to: q.to,
        actor: q.actor,
        action: q.action,
        sagaId: q.saga,
        outcome: q.outcome,
        beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: q.limit,
      }),
    );
  } catch (err) {
    return internalError('GET /api/audit', err);
  }
}
