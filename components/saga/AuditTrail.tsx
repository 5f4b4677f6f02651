import type { AuditEntry } from '@/lib/api/types';
import { LocalTime } from '../LocalTime';

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
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">
                  <LocalTime iso={e.at} />
                </td>
                <td>
                  {e.actor} <span className="muted">({e.role})</span>
                </td>
                <td>{e.action}</td>
                <td>{e.step ?? <span className="muted">—</span>}</td>
                <td>{e.outcome}</td>
                <td>{e.reason ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
