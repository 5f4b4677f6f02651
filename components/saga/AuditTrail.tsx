import type { AuditEntry } from '@/lib/api/types';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';

const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** One line on what an entry asked for or got: the URL of an intent, the HTTP status or refusal of an outcome. Text only. */
export function auditDetail(e: AuditEntry): string {
  const req = obj(e.request);
  const res = obj(e.result);
  if (e.outcome === 'intent') {
    if (typeof req.url === 'string') return `POST ${req.url}${typeof req.idempotencyKey === 'string' ? ` · key ${req.idempotencyKey}` : ''}`;
    return Array.isArray(req.sagaIds) ? `${req.sagaIds.length} saga(s) selected` : '';
  }
  const parts: string[] = [];
  if (typeof res.httpStatus === 'number') parts.push(`HTTP ${res.httpStatus}`);
  if (typeof res.durationMs === 'number') parts.push(`in ${formatDuration(res.durationMs)}`);
  const refusal = obj(res.refusal);
  if (typeof refusal.message === 'string') parts.push(refusal.message);
  else if (typeof res.refusal === 'string') parts.push(res.refusal);
  else if (typeof res.error === 'string') parts.push(res.error);
  if (typeof req.batch === 'number') parts.push(`batch #${req.batch}`);
  return parts.join(' · ');
}

/** Manual actions taken on this saga (retry / compensate), newest last. */
export function AuditTrail({ entries }: { entries: readonly AuditEntry[] }) {
  return (
    <section className="section" aria-labelledby="audit-h">
      <h2 id="audit-h">Manual actions</h2>
      <div className="table-wrap">
        <table className="saga-table" data-testid="audit-trail">
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Step</th>
              <th scope="col">Outcome</th>
              <th scope="col">Reason</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-testid="audit-trail-row" data-outcome={e.outcome}>
                <td className="nowrap">
                  <Timestamp iso={e.at} />
                </td>
                <td>
                  {e.actor} <span className="muted">({e.role})</span>
                </td>
                <td>{e.action}</td>
                <td>{e.step ?? <span className="muted">—</span>}</td>
                <td>{e.outcome}</td>
                <td>{e.reason ?? <span className="muted">—</span>}</td>
                <td className="audit-detail">
                  <span className="muted">#{e.seq}</span> {auditDetail(e)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
