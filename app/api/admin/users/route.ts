import { guard } from '@/lib/auth/guard';
import { createUser } from '@/lib/auth/accounts';
import { createUserBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { listUsers } from '@/lib/auth/user-store';
import { readJson } from '../../_lib/body';
import { internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { users } (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/admin/users');
  if (!access.ok) return access.response;
  try {
    return json({ users: await listUsers(access.db) });
  } catch (err) {
    return internalError('GET /api/admin/users', err);
  }
}

/** POST {name, role, password} → 201 { user } (admin); 409 when the name is taken. */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/admin/users');
  if (!access.ok) return access.response;
  const body = await readJson(request, createUserBodySchema);
  if (!body.ok) return body.response;
  try {
    const result = await createUser(access.db, auditActorOf(access.principal), body.value);
    return result.ok ? json({ user: result.user }, 201) : json({ error: result.error }, result.status);
  } catch (err) {
    return internalError('POST /api/admin/users', err);
  }
}
