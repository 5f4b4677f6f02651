import { readOnlyState } from '@/lib/auth/guard';
import { updateRuntimeSettings } from '@/lib/auth/accounts';
import { settingsBodySchema } from '@/lib/auth/schemas';
import { auditActorOf } from '@/lib/auth/principal';
import { route } from '../../_lib/route';
import { json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** GET → { readOnly: { active, pinnedByEnv, runtime } } (admin). */
export const GET = route('GET /api/admin/settings', async ({ access }) => json({ readOnly: await readOnlyState(access.db, access.settings) }));

/** PUT {readOnly} → switches the runtime read-only mode (admin). Refused while SAGASCOPE_READ_ONLY pins it. */
export const PUT = route('PUT /api/admin/settings', { body: settingsBodySchema }, async ({ access, body }) => {
  await updateRuntimeSettings(access.db, auditActorOf(access.principal), body);
  return json({ readOnly: await readOnlyState(access.db, access.settings) });
});
