import { auditActorOf } from '@/lib/auth/principal';
import { parseExportQuery } from '@/lib/export/query';
import { startExport } from '@/lib/export/stream';
import { AUDIT_HEAD_HEADER, EXPORT_ID_HEADER } from '@/lib/export/manifest';
import { route } from '../_lib/route';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** Each running export holds a database connection; more wait for their turn. */
const MAX_RUNNING_EXPORTS = 2;
let running = 0;

/**
 * GET ?kind=sagas|spans|audit&format=csv|ndjson|json&from=&to=&… → the rows,
 * streamed (auditor, admin). The X-Sagascope-Export-Id header names the export;
 * once the body is complete its manifest is at /api/export/manifest?id=….
 */
export const GET = route('GET /api/export', { query: parseExportQuery }, async ({ access, query }) => {
  if (running >= MAX_RUNNING_EXPORTS) {
    return Response.json({ error: `${MAX_RUNNING_EXPORTS} exports are already running; try again when one has finished` }, { status: 429, headers: { 'Retry-After': '5', 'Cache-Control': 'no-store' } });
  }
  running++;
  let handedOver = false;
  try {
    const exp = await startExport(access.db, auditActorOf(access.principal), query, { onEnd: () => void running-- });
    handedOver = true;
    return new Response(exp.stream, {
      headers: {
        'Content-Type': exp.contentType,
        'Content-Disposition': `attachment; filename="${exp.filename}"`,
        // no-transform: no proxy or compression layer may change the bytes the manifest hashes.
        'Cache-Control': 'no-store, no-transform',
        [EXPORT_ID_HEADER]: exp.id,
        [AUDIT_HEAD_HEADER]: `${exp.auditHead.seq}:${exp.auditHead.hash}`,
        'Access-Control-Expose-Headers': `${EXPORT_ID_HEADER}, ${AUDIT_HEAD_HEADER}`,
      },
    });
  } finally {
    if (!handedOver) running--;
  }
});
