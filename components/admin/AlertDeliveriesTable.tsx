import Link from 'next/link';
import type { AlertDeliveryJson } from '@/lib/api/types';
import { Timestamp } from '@/components/time/Timestamp';

const STATE_BADGE: Record<AlertDeliveryJson['state'], string> = { delivered: 'badge--committed', pending: 'badge--running', failed: 'badge--failed' };

/** The webhook delivery log, newest first. Receiver answers are untrusted text: rendered as text only. */
export function AlertDeliveriesTable({ items }: { items: AlertDeliveryJson[] }) {
  return (
    <div className="table-wrap">
      <table className="saga-table" data-testid="alert-deliveries">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Rule</th>
            <th scope="col">Event</th>
            <th scope="col">Saga</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Last answer</th>
            <th scope="col">Raised</th>
            <th scope="col">Last attempt / next</th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id} data-testid="alert-delivery-row">
              <td className="mono">{d.id}</td>
              <td>{d.ruleName}</td>
              <td className="mono">{d.event}</td>
              <td className="mono truncate">
                {d.sagaId ? <Link href={`/sagas/${encodeURIComponent(d.sagaId)}`}>{d.sagaId}</Link> : <span className="muted">—</span>}
              </td>
              <td>
                <span className={`badge ${STATE_BADGE[d.state]}`}>{d.state}</span>
              </td>
              <td className="num">{d.attempts}</td>
              <td>
                {d.lastStatus !== null ? <span className="mono">HTTP {d.lastStatus}</span> : null}
                {d.lastError ? (
                  <div className="muted truncate-lines" title={d.lastError}>
                    {d.lastError}
                  </div>
                ) : null}
                {d.lastStatus === null && !d.lastError ? <span className="muted">—</span> : null}
              </td>
              <td className="nowrap">
                <Timestamp iso={d.createdAt} />
              </td>
              <td className="nowrap">
                {d.lastAttemptAt ? <Timestamp iso={d.lastAttemptAt} /> : <span className="muted">not yet</span>}
                {d.state === 'pending' ? (
                  <div className="muted">
                    next <Timestamp iso={d.nextAttemptAt} />
                  </div>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
