import { describe, expect, it } from 'vitest';
import { parseExportDelivery } from './delivery';
import { exportDownloadHref } from './download-href';
import { parseExportQuery, specFilters } from './query';

const ID = '0b7c3c1e-4f5a-4d6b-9a1e-2f3c4d5e6f70';

describe('export delivery parameters', () => {
  it('reads the client-chosen id and the check flag, and leaves the export filters alone', () => {
    const href = exportDownloadHref(new URLSearchParams({ kind: 'spans', format: 'csv', saga: 'a&b #1' }), ID, true);
    const params = new URL(href, 'http://x').searchParams;
    expect(parseExportDelivery(params)).toEqual({ ok: true, value: { exportId: ID, check: true } });
    const spec = parseExportQuery(params);
    expect(spec.ok && specFilters(spec.value)).toEqual({ saga: 'a&b #1' });
  });

  it('without them: the server picks the id, and the export runs', () => {
    expect(parseExportDelivery(new URLSearchParams('kind=sagas&utm_source=x'))).toEqual({ ok: true, value: { exportId: null, check: false } });
  });

  it('refuses an id that is not a UUID and an unknown check value', () => {
    const bad = parseExportDelivery(new URLSearchParams('exportId=../../etc'));
    expect(!bad.ok && bad.error).toMatch(/^exportId: /);
    expect(parseExportDelivery(new URLSearchParams(`exportId=${ID}&check=yes`)).ok).toBe(false);
  });
});
