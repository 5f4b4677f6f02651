/**
 * How the browser receives an export: as a plain download (a navigation to the
 * streamed GET, saved by the browser to disk as it arrives — nothing buffered
 * in the tab), so the page cannot read the response's export-id header. The
 * page therefore names the export itself (`exportId`, a random UUID) and
 * fetches its manifest by that id once the download has ended; `check=1` asks
 * whether the export would start (permission, filters, a free slot) without
 * starting it, so a refusal shows on the page instead of as a failed download.
 */
import { z } from 'zod';
import { formatZodError, searchParamsToRecord, type Parsed } from '../api/query';
import { parseExportQuery, type ExportSpec } from './query';

const deliverySchema = z
  .object({
    exportId: z.uuid({ message: 'must be a UUID (the page names its export with a random one)' }).optional(),
    check: z.enum(['1']).optional(),
  })
  .strip();

export interface ExportDelivery {
  /** The id the client chose for the export (its manifest is fetched by it), or null: the server picks one. */
  exportId: string | null;
  /** Only check that the export would start. */
  check: boolean;
}

export function parseExportDelivery(params: URLSearchParams | Record<string, string | string[] | undefined>): Parsed<ExportDelivery> {
  const r = deliverySchema.safeParse(searchParamsToRecord(params));
  if (!r.success) return { ok: false, error: formatZodError(r.error) };
  return { ok: true, value: { exportId: r.data.exportId?.toLowerCase() ?? null, check: r.data.check !== undefined } };
}

/** The export's filters (lib/export/query.ts) and how it is delivered, from one query string. */
export function parseExportRequest(params: URLSearchParams): Parsed<{ spec: ExportSpec; delivery: ExportDelivery }> {
  const spec = parseExportQuery(params);
  if (!spec.ok) return spec;
  const delivery = parseExportDelivery(params);
  if (!delivery.ok) return delivery;
  return { ok: true, value: { spec: spec.value, delivery: delivery.value } };
}
