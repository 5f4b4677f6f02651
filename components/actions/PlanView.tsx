import type { ActionPlan, CallResult } from '@/lib/api/types';
import type { AnomalyKind } from '@/lib/saga/types';
import { formatDuration } from '@/lib/ui/format';
import { AnomalyChips } from '../AnomalyChips';
import { StatusBadge } from '../StatusBadge';

/**
 * What a manual action will do, before it is confirmed: the saga's current
 * evidence and the calls in order. Every URL and value is rendered as text
 * (span attributes are untrusted), never as a link.
 */
export function PlanView({ plan }: { plan: ActionPlan }) {
  return (
    <div className="plan" data-testid="action-plan">
      <dl className="facts facts--compact" data-testid="action-evidence">
        <div>
          <dt>Status now</dt>
          <dd>
            <StatusBadge status={plan.evidence.status} />
          </dd>
        </div>
        <div>
          <dt>Failed step</dt>
          <dd>{plan.evidence.failedStep ?? <span className="muted">none</span>}</dd>
        </div>
        <div className="facts__wide">
          <dt>Anomalies</dt>
          <dd>{plan.evidence.anomalies.length > 0 ? <AnomalyChips kinds={plan.evidence.anomalies as AnomalyKind[]} /> : <span className="muted">none</span>}</dd>
        </div>
      </dl>
      {plan.coordinatorCall ? (
        <dl className="facts facts--compact" data-testid="plan-coordinator-call">
          <div className="facts__wide">
            <dt>DTM call</dt>
            <dd className="mono">
              {plan.coordinatorCall.method} {plan.coordinatorCall.server}/api/dtmsvr/{plan.coordinatorCall.endpoint} {JSON.stringify(plan.coordinatorCall.body)}
            </dd>
          </div>
          {plan.evidence.coordinatorStatus ? (
            <div>
              <dt>DTM status now</dt>
              <dd>{plan.evidence.coordinatorStatus}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
      {plan.warning ? (
        <p className="alert alert--error" role="note" data-testid="action-warning">
          {plan.warning}
        </p>
      ) : null}
      {plan.refusal !== null ? (
        <p className="alert alert--error" role="alert" data-testid="action-refusal">
          {/^Refused\b/.test(plan.refusal) ? plan.refusal : `Refused: ${plan.refusal}`}
        </p>
      ) : null}
      {plan.calls.length > 0 ? (
        <div className="table-wrap">
          <table className="saga-table plan-table" data-testid="plan-calls">
            <caption className="visually-hidden">Calls, in the order they are made</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  #
                </th>
                <th scope="col">Step</th>
                <th scope="col">Op</th>
                <th scope="col" className="num">
                  Attempt
                </th>
                <th scope="col">URL (POST)</th>
                <th scope="col">Idempotency-Key</th>
              </tr>
            </thead>
            <tbody>
              {plan.calls.map((c) => (
                <tr key={c.order} data-testid="plan-call">
                  <td className="num">{c.order}</td>
                  <td>{c.step}</td>
                  <td>{c.op}</td>
                  <td className="num">{c.attempt}</td>
                  <td className="mono url-cell" data-testid="plan-url">
                    {c.url}
                  </td>
                  <td className="mono" data-testid="plan-key">
                    {c.idempotencyKey}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {plan.refusal !== null && plan.calls.length > 0 ? (
        <p className="muted">These are the calls an admin override would make.</p>
      ) : null}
      {plan.calls.length > 1 && plan.refusal === null ? (
        <p className="muted">Calls are made one at a time, in this order; the first that does not succeed stops the rest.</p>
      ) : null}
    </div>
  );
}

const OUTCOME_TEXT: Record<CallResult['outcome'], string> = {
  ok: 'succeeded',
  failed: 'failed',
  refused: 'refused',
  not_called: 'not called',
};

/** What each call of an executed action did. */
export function ResultsView({ results }: { results: readonly CallResult[] }) {
  return (
    <div className="table-wrap">
      <table className="saga-table plan-table" data-testid="action-results">
        <caption className="visually-hidden">Results of the calls</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">Step</th>
            <th scope="col">Outcome</th>
            <th scope="col" className="num">
              HTTP
            </th>
            <th scope="col" className="num">
              Time
            </th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {results.map((r) => (
            <tr key={r.order} data-testid="action-result" data-outcome={r.outcome}>
              <td className="num">{r.order}</td>
              <td>
                {r.step} <span className="muted">{r.op}</span>
              </td>
              <td className={r.outcome === 'ok' ? 'text-ok' : r.outcome === 'not_called' ? 'muted' : 'text-failed'}>{OUTCOME_TEXT[r.outcome]}</td>
              <td className="num">{r.httpStatus ?? '—'}</td>
              <td className="num">{r.durationMs === null ? '—' : formatDuration(r.durationMs)}</td>
              <td className="result-detail">
                {r.error ? <div>{r.error}</div> : null}
                {r.responseBody ? <div className="mono muted truncate-lines">{r.responseBody}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
