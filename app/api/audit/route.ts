import { parseAuditListQuery } from '@/lib/api/audit-query';
import { listAudit } from '@/lib/audit/store';
import { route } from '../_lib/route';
import { json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET ?from=&to=&actor=&action=&saga=&outcome=&limit=&cursor= → { items, nextCursor }, newest first (auditor, admin). */
export const GET = route('GET /api/audit', { query: parseAuditListQuery }, async ({ access, query: q }) =>
  json(
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
  ),
);
