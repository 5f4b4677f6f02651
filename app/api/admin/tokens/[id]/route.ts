import { revokeToken } from '@/lib/auth/accounts';
import { uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { route, notFoundUnless } from '../../../_lib/route';
import { json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** DELETE → revokes the token (kept, marked revoked; admin). */
export const DELETE = route('DELETE /api/admin/tokens/[id]', { params: { id: notFoundUnless(uuidSchema, 'no such token') } }, async ({ access, params }) => {
  const result = await revokeToken(access.db, auditActorOf(access.principal), params.id);
  return result.ok ? json({ record: result.record }) : json({ error: result.error }, result.status);
});
