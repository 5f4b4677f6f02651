import { guard, readOnlyState } from '@/lib/auth/guard';
import { anyUserExists } from '@/lib/auth/user-store';
import { internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → who the caller is, and the server's auth state (for scripts and the UI). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/auth/me');
  if (!access.ok) return access.response;
  try {
    const p = access.principal;
    return json({
      principal:
        p.kind === 'anonymous'
          ? { kind: 'anonymous', readAccess: p.readAccess }
          : { kind: p.kind, name: p.name, role: p.role, ...(p.kind === 'user' ? { sessionExpiresAt: p.sessionExpiresAt } : {}) },
      authMode: access.settings.mode,
      usersExist: await anyUserExists(access.db),
      readOnly: await readOnlyState(access.db, access.settings),
    });
  } catch (err) {
    return internalError('GET /api/auth/me', err);
  }
}
