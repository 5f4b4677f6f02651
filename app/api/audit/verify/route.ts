import { verifyAuditChain } from '@/lib/audit/store';
import { route } from '../../_lib/route';
import { json } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/**
 * GET → walks the whole chain and checks it against its signed checkpoints
 * (database and SAGASCOPE_AUDIT_WITNESS_FILE, with this server's audit key):
 * { ok, entries, head, storedHead, firstBroken: { seq, reason } | null,
 *   anchor: { keyId, checkpoints, latest, witness, highWater, problems, problemCount } }.
 * A truncated tail or a re-hashed chain walks cleanly: `anchor.problems` (and
 * `firstBroken`, when the chain itself is intact) names it and the checkpoint.
 * 200 whether or not the chain is intact (the answer is the report); auditor, admin.
 */
export const GET = route('GET /api/audit/verify', async ({ access }) => json(await verifyAuditChain(access.db)));
