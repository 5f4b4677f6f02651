import { createUser } from '@/lib/auth/accounts';
import { createUserBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { listUsers } from '@/lib/auth/user-store';
import { route } from '../../_lib/route';
import { json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { users } (admin). */
export const GET = route('GET /api/admin/users', async ({ access }) => json({ users: await listUsers(access.db) }));

/** POST {name, role, password} → 201 { user } (admin); 409 when the name is taken. */
export const POST = route('POST /api/admin/users', { body: createUserBodySchema }, async ({ access, body }) => {
  const result = await createUser(access.db, auditActorOf(access.principal), body);
  return result.ok ? json({ user: result.user }, 201) : json({ error: result.error }, result.status);
});
