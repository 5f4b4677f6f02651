import { readOnlyState } from '@/lib/auth/guard';
import { anyUserExists } from '@/lib/auth/user-store';
import { route } from '../../_lib/route';
import { json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → who the caller is, and the server's auth state (for scripts and the UI). */
export const GET = route('GET /api/auth/me', async ({ access }) => {
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
});
