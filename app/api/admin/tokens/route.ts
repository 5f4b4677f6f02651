import { createToken } from '@/lib/auth/accounts';
import { createTokenBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { listApiTokens } from '@/lib/auth/user-store';
import { route } from '../../_lib/route';
import { json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { tokens } without secrets (admin). */
export const GET = route('GET /api/admin/tokens', async ({ access }) => json({ tokens: await listApiTokens(access.db) }));

/** POST {name, role, expiresInDays?} → 201 { token, record }: the only time the token is shown (admin). */
export const POST = route('POST /api/admin/tokens', { body: createTokenBodySchema }, async ({ access, body }) => {
  const result = await createToken(access.db, auditActorOf(access.principal), body);
  return json({ token: result.token, record: result.record }, 201);
});
