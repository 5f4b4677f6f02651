import { z } from 'zod';
import { guard } from '@/lib/auth/guard';
import { findExportEntry } from '@/lib/db/export';
import { manifestSchema } from '@/lib/export/manifest';
import { badRequest, internalError, json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const querySchema = z.object({ id: z.uuid(), download: z.enum(['1']).optional() }).strip();

/**
 * GET ?id=<export id>[&download=1] → the export's manifest, read back from its
 * audit entry (with that entry's seq and hash). 409 while the export runs or if
 * it did not complete (auditor, admin).
 */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/export/manifest');
  if (!access.ok) return access.response;
  const q = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!q.success) return badRequest('id: an export id (X-Sagascope-Export-Id)');
  try {
    const entry = await findExportEntry(access.db, q.data.id);
    if (!entry) return notFound('no such export');
    if (entry.outcome !== 'ok') return json({ error: `the export did not complete (${entry.outcome})`, outcome: entry.outcome }, 409);
    const manifest = manifestSchema.parse({ ...(entry.result as object), auditEntry: { seq: entry.seq, hash: entry.hash } });
    const body = `${JSON.stringify(manifest, null, 2)}\n`;
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
    if (q.data.download) headers['Content-Disposition'] = `attachment; filename="sagascope-export-${manifest.exportId}.manifest.json"`;
    return new Response(body, { headers });
  } catch (err) {
    return internalError('GET /api/export/manifest', err);
  }
}
