import { updateUserAccount } from '@/lib/auth/accounts';
import { updateUserBodySchema, uuidSchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { route, notFoundUnless } from '../../../_lib/route';
import { json } from '../../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** PATCH {role?, disabled?, password?} → { user } (admin). Ends the user's sessions when access shrinks. */
export const PATCH = route(
  'PATCH /api/admin/users/[id]',
  { params: { id: notFoundUnless(uuidSchema, 'no such user') }, body: updateUserBodySchema },
  async ({ access, params, body }) => {
    const result = await updateUserAccount(access.db, auditActorOf(access.principal), params.id, body);
    return result.ok ? json({ user: result.user }) : json({ error: result.error }, result.status);
  },
);
