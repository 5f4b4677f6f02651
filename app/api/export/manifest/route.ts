import { z } from 'zod';
import type { Parsed } from '@/lib/api/query';
import { findExportEntry } from '@/lib/export/store';
import { manifestSchema } from '@/lib/export/manifest';
import { route } from '../../_lib/route';
import { json, notFound } from '../../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const querySchema = z.object({ id: z.uuid(), download: z.enum(['1']).optional() }).strict();

function parseManifestQuery(search: URLSearchParams): Parsed<z.output<typeof querySchema>> {
  const q = querySchema.safeParse(Object.fromEntries(search));
  return q.success ? { ok: true, value: q.data } : { ok: false, error: 'id: an export id (X-Sagascope-Export-Id)' };
}

/**
 * GET ?id=<export id>[&download=1] → the export's manifest, read back from its
 * audit entry (with that entry's seq and hash). 409 while the export runs or if
 * it did not complete (auditor, admin).
 */
export const GET = route('GET /api/export/manifest', { query: parseManifestQuery }, async ({ access, query }) => {
  const entry = await findExportEntry(access.db, query.id);
  if (!entry) return notFound('no such export');
  if (entry.outcome !== 'ok') return json({ error: `the export did not complete (${entry.outcome})`, outcome: entry.outcome }, 409);
  const manifest = manifestSchema.parse({ ...(entry.result as object), auditEntry: { seq: entry.seq, hash: entry.hash } });
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
  if (query.download) headers['Content-Disposition'] = `attachment; filename="sagascope-export-${manifest.exportId}.manifest.json"`;
  return new Response(body, { headers });
});
