import Link from 'next/link';
import type { AuditEntry } from '@/lib/api/types';
import { Timestamp } from '@/components/time/Timestamp';

const OUTCOME_CLASS: Record<string, string> = {
  ok: 'badge--committed',
  failed: 'badge--failed',
  denied: 'badge--failed',
  intent: 'badge--running',
  aborted: 'badge--compensating',
};

/** The trail, newest first. Values are untrusted text and rendered as text. */
export function AuditTable({ entries }: { entries: readonly AuditEntry[] }) {
  return (
    <div className="table-wrap">
      <table className="saga-table audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">At</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Outcome</th>
            <th scope="col">Reason</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq} data-testid="audit-row">
              <td className="num mono">{e.seq}</td>
              <td className="nowrap">
                <Timestamp iso={e.at} millis />
              </td>
              <td>
                {e.actor} <span className="muted">({e.role}, {e.via})</span>
              </td>
              <td className="mono">{e.action}</td>
              <td>
                {e.sagaId ? (
                  <Link href={`/sagas/${encodeURIComponent(e.sagaId)}`} className="mono">
                    {e.sagaId}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
                {e.step ? <span className="muted"> / {e.step}</span> : null}
              </td>
              <td>
                <span className={`badge ${OUTCOME_CLASS[e.outcome] ?? 'badge--running'}`}>{e.outcome}</span>
              </td>
              <td>{e.reason ?? <span className="muted">—</span>}</td>
              <td>
                <details>
                  <summary className="mono">{e.hash.slice(0, 12)}…</summary>
                  <dl className="audit-details">
                    <dt>request</dt>
                    <dd>
                      <pre>{JSON.stringify(e.request, null, 2)}</pre>
                    </dd>
                    {e.result !== null ? (
                      <>
                        <dt>result</dt>
                        <dd>
                          <pre>{JSON.stringify(e.result, null, 2)}</pre>
                        </dd>
                      </>
                    ) : null}
                    {e.ref !== null ? (
                      <>
                        <dt>completes</dt>
                        <dd className="mono">#{e.ref}</dd>
                      </>
                    ) : null}
                    <dt>hash</dt>
                    <dd className="mono">{e.hash}</dd>
                    <dt>prev_hash</dt>
                    <dd className="mono">{e.prevHash}</dd>
                  </dl>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
