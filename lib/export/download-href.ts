/** The export URLs the Export page uses (lib/export/delivery.ts reads them); no zod here: it runs in the browser. */

/** The URL the page downloads (or checks with `check=1`): the export's query plus its id. */
export function exportDownloadHref(query: URLSearchParams, exportId: string, check = false): string {
  const q = new URLSearchParams(query);
  q.set('exportId', exportId);
  if (check) q.set('check', '1');
  return `/api/export?${q}`;
}
