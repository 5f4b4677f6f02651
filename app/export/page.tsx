import type { Metadata } from 'next';
import { requirePage } from '../_lib/auth';
import { ExportForm } from '@/components/export/ExportForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Export' };

export default async function ExportPage() {
  await requirePage('export', '/export');
  return (
    <div className="page">
      <div className="page-head">
        <h1>Export</h1>
      </div>
      <p className="muted">
        Sagas, raw spans or the audit trail, streamed from the database as CSV (RFC 4180, safe to open in a spreadsheet), NDJSON or JSON. Each
        export is recorded in the audit trail with its manifest: row count, SHA-256 of the file and the audit-chain head at export time.
      </p>
      <ExportForm />
    </div>
  );
}
