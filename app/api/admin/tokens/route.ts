import { guard } from '@/lib/auth/guard';
import { createToken } from '@/lib/auth/accounts';
import { createTokenBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { listApiTokens } from '@/lib/auth/user-store';
import { readJson } from '../../_lib/body';
import { internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { tokens } without secrets (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/admin/tokens');
  if (!access.ok) return access.response;
  try {
    return json({ tokens: await listApiTokens(access.db) });
  } catch (err) {
    return internalError('GET /api/admin/tokens', err);
  }
}

/** POST {name, role, expiresInDays?} → 201 { token, record }: the only time the token is shown (admin). */
export async function POST(request: Request): Promise<Response> {
  const access = await guard(request, 'POST /api/admin/tokens');
  if (!access.ok) return access.response;
  const body = await readJson(request, createTokenBodySchema);
  if (!body.ok) return body.response;
  try {
    const result = await createToken(access.db, auditActorOf(access.principal), body.value);
    return json({ token: result.token, record: result.record }, 201);
  } catch (err) {
    return internalError('POST /api/admin/tokens', err);
  }
}
