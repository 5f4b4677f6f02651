import type { CoordinatorJson } from '@/lib/api/types';
import type { CoordinatorStatus } from '@/lib/saga/types';
import { Timestamp } from '@/components/time/Timestamp';
import { CoordinatorControls } from '../actions/CoordinatorControls';

/** DTM's words as badge colours (the saga statuses' palette): succeed green, failed red, aborting amber, open blue. */
const TONE: Record<CoordinatorStatus, string> = {
  succeed: 'committed',
  failed: 'failed',
  aborting: 'compensating',
  submitted: 'running',
  prepared: 'running',
};

function DtmStatus({ status }: { status: CoordinatorStatus }) {
  return (
    <span className={`badge badge--${TONE[status]}`} data-testid="dtm-status">
      {status}
    </span>
  );
}

/**
 * DTM's own view of the saga beside the spans (DESIGN.md §3 "The coordinator's own
 * view"): its status in its own words, when it calls the branches next and the
 * interval it waits now, the rollback reason, each branch op's state next to the
 * step it belongs to with the calls of it whose spans arrived, and where DTM and
 * the spans disagree. No attempt count: DTM stores none (lib/dtm/view.ts). When DTM could not be read
 * the panel says so plainly: the verdict above is then the spans' alone.
 * Every value is rendered as text (DTM's URLs and reasons come from applications).
 */
export function CoordinatorPanel({
  coordinator: c,
  sagaId,
  steps,
  canAct,
}: {
  coordinator: CoordinatorJson;
  sagaId: string;
  /** The saga's steps by index: a zero-code step's index is its DTM branch id (01 → 1). */
  steps: ReadonlyArray<{ name: string; index: number }>;
  canAct: boolean;
}) {
  const stepOf = (branchId: string) => {
    const n = /^\d+$/.test(branchId) ? Number(branchId) : NaN;
    return steps.find((s) => s.index === n)?.name ?? null;
  };
  const open = c.status !== null && c.status !== 'succeed' && c.status !== 'failed';
  return (
    <section className="section coordinator" aria-labelledby="coordinator-h" data-testid="coordinator">
      <div className="section__head">
        <h2 id="coordinator-h">Coordinator (DTM)</h2>
        <span className="muted mono" data-testid="dtm-server">
          {c.server}
        </span>
      </div>
      {c.error !== null ? (
        <p className="alert alert--error" role="status" data-testid="dtm-error">
          DTM could not be read: {c.error}
        </p>
      ) : null}
      {c.status !== null ? (
        <dl className="facts">
          <div>
            <dt>DTM status</dt>
            <dd>
              <DtmStatus status={c.status} />
            </dd>
          </div>
          {c.transType ? (
            <div>
              <dt>Type</dt>
              <dd>{c.transType}</dd>
            </div>
          ) : null}
          {open && c.nextRetryAt !== null ? (
            <div data-testid="dtm-next-retry">
              <dt title="next_cron_time: when DTM calls the unfinished branches again">Next retry</dt>
              <dd>
                <Timestamp iso={c.nextRetryAt} relative />
                {c.retryIntervalS !== null ? (
                  <span
                    className="muted"
                    data-testid="dtm-interval"
                    title="next_cron_interval. DTM doubles it after a failed call and returns it to its base after a success or once it has grown past the base, so it does not tell how many calls were made."
                  >
                    {' '}
                    (DTM waits {c.retryIntervalS} s between calls now; it does not count its calls: see "Calls seen")
                  </span>
                ) : null}
              </dd>
            </div>
          ) : null}
          {c.rollbackReason ? (
            <div className="facts__wide">
              <dt>Rollback reason</dt>
              <dd data-testid="dtm-rollback-reason">{c.rollbackReason}</dd>
            </div>
          ) : null}
          {c.fetchedAt ? (
            <div>
              <dt>Read</dt>
              <dd>
                <Timestamp iso={c.fetchedAt} relative />
              </dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {c.divergences.length > 0 ? (
        <div className="alert alert--error" data-testid="dtm-divergences">
          <strong>DTM and the spans disagree</strong>
          <ul>
            {c.divergences.map((d) => (
              <li key={`${d.branchId}\u0000${d.op}`} data-testid="dtm-divergence">
                {d.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {c.branches.length > 0 ? (
        <div className="table-wrap">
          <table className="saga-table" data-testid="dtm-branches">
            <caption className="visually-hidden">Branch ops as DTM stores them (trans_branch_op)</caption>
            <thead>
              <tr>
                <th scope="col">Branch</th>
                <th scope="col">Step</th>
                <th scope="col">Op</th>
                <th scope="col">DTM state</th>
                <th scope="col">Finished</th>
                <th scope="col" title="Calls of this op whose spans reached sagascope (failed ones in brackets). DTM does not count its calls; dropped spans make this lower.">
                  Calls seen
                </th>
                <th scope="col">URL</th>
              </tr>
            </thead>
            <tbody>
              {c.branches.map((b) => (
                <tr key={`${b.branchId}\u0000${b.op}`} data-testid="dtm-branch" data-branch={b.branchId} data-op={b.op} data-status={b.status}>
                  <td className="mono">{b.branchId}</td>
                  <td>{stepOf(b.branchId) ?? <span className="muted">—</span>}</td>
                  <td>{b.op}</td>
                  <td>
                    <DtmStatus status={b.status} />
                  </td>
                  <td>{b.finishedAt ? <Timestamp iso={b.finishedAt} /> : <span className="muted">—</span>}</td>
                  <td className="num" data-testid="dtm-calls-seen" data-calls={b.callsSeen} data-failed={b.failedCallsSeen}>
                    {b.callsSeen}
                    {b.failedCallsSeen > 0 ? <span className="muted"> ({b.failedCallsSeen} failed)</span> : null}
                  </td>
                  <td className="mono url-cell">{b.url || <span className="muted">(none: DTM counts it done)</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canAct && c.status !== null ? <CoordinatorControls sagaId={sagaId} status={c.status} transType={c.transType} /> : null}
    </section>
  );
}
