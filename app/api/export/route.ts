import { guard } from '@/lib/auth/guard';
import { auditActorOf } from '@/lib/auth/principal';
import { parseExportQuery } from '@/lib/export/query';
import { parseExportDelivery } from '@/lib/export/delivery';
import { findExportEntry } from '@/lib/db/export';
import { startExport } from '@/lib/export/stream';
import { AUDIT_HEAD_HEADER, EXPORT_ID_HEADER } from '@/lib/export/manifest';
import { badRequest, internalError, json } from '../_lib/respond';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

/** Each running export holds a database connection; more wait for their turn. */
const MAX_RUNNING_EXPORTS = 2;
let running = 0;

/**
 * GET ?kind=sagas|spans|audit&format=csv|ndjson|json&from=&to=&… → the rows,
 * streamed (auditor, admin). The X-Sagascope-Export-Id header names the export;
 * once the body is complete its manifest is at /api/export/manifest?id=….
 * `exportId=<uuid>` names the export (the page's download); `check=1` answers
 * 204 when the export would start, without starting it (lib/export/delivery.ts).
 */
export async function GET(request: Request): Promise<Response> {
  const access = await guard(request, 'GET /api/export');
  if (!access.ok) return access.response;
  const params = new URL(request.url).searchParams;
  const parsed = parseExportQuery(params);
  if (!parsed.ok) return badRequest(parsed.error);
  const delivery = parseExportDelivery(params);
  if (!delivery.ok) return badRequest(delivery.error);
  if (running >= MAX_RUNNING_EXPORTS) {
    return Response.json({ error: `${MAX_RUNNING_EXPORTS} exports are already running; try again when one has finished` }, { status: 429, headers: { 'Retry-After': '5', 'Cache-Control': 'no-store' } });
  }
  if (delivery.value.check) return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
  const { exportId } = delivery.value;
  if (exportId !== null && (await findExportEntry(access.db, exportId).catch(() => null))) return json({ error: 'exportId: this export id was used already' }, 409);
  running++;
  let handedOver = false;
  try {
    const exp = await startExport(access.db, auditActorOf(access.principal), parsed.value, { onEnd: () => void running--, id: exportId ?? undefined });
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
  } catch (err) {
    return internalError('GET /api/export', err);
  } finally {
    if (!handedOver) running--;
  }
}

