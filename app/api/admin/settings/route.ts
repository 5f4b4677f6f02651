import { guard, readOnlyState } from '@/lib/auth/guard';
import { updateRuntimeSettings } from '@/lib/auth/accounts';
import { settingsBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { readJson } from '../../_lib/body';
import { internalError, json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { readOnly: { active, pinnedByEnv, runtime } } (admin). */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/admin/settings');
  if (!access.ok) return access.response;
  try {
    return json({ readOnly: await readOnlyState(access.db, access.settings) });
  } catch (err) {
    return internalError('GET /api/admin/settings', err);
  }
}

/** PUT {readOnly} → switches the runtime read-only mode (admin). Refused while SAGASCOPE_READ_ONLY pins it. */
export async function PUT(request: Request): Promise<Response> {
  const access = await guard(request, 'PUT /api/admin/settings');
  if (!access.ok) return access.response;
  const body = await readJson(request, settingsBodySchema);
  if (!body.ok) return body.response;
  try {
    await updateRuntimeSettings(access.db, auditActorOf(access.principal), body.value);
    return json({ readOnly: await readOnlyState(access.db, access.settings) });
  } catch (err) {
    return internalError('PUT /api/admin/settings', err);
  }
}
