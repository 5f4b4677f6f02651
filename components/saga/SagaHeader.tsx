import Link from 'next/link';
import type { SagaSummary } from '@/lib/api/types';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';
import { StatusBadge } from '../StatusBadge';
import { traceHref } from '@/lib/ui/trace-links';

/** A saga can span thousands of traces; the selected step's panel links to its own. */
const MAX_TRACE_LINKS = 12;

export function SagaHeader({ saga, traceIds }: { saga: SagaSummary; traceIds: readonly string[] }) {
  return (
    <header className="saga-header" data-testid="saga-header">
      <div className="saga-header__title">
        <h1>{saga.name ?? <span className="muted">(unnamed saga)</span>}</h1>
        <StatusBadge status={saga.status} />
      </div>
      <p className="saga-header__id mono" data-testid="saga-id">
        {saga.id}
      </p>
      <dl className="facts">
        <div>
          <dt>Protocol</dt>
          <dd>{saga.protocol}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <Timestamp iso={saga.startedAt} relative millis />
          </dd>
        </div>
        <div>
          <dt title={saga.repairedAt !== null ? "The saga's own run; the operator's repair is not part of it" : undefined}>Duration</dt>
          <dd>
            {formatDuration(saga.durationMs)}
            {saga.endedAt === null ? <span className="muted"> so far</span> : null}
          </dd>
        </div>
        <div>
          <dt>Steps</dt>
          <dd>{saga.stepCount.toLocaleString('en-US')}</dd>
        </div>
        <div>
          <dt>Compensations</dt>
          <dd>{saga.compensationCount.toLocaleString('en-US')}</dd>
        </div>
        {saga.failedStep ? (
          <div>
            <dt>Failed step</dt>
            <dd className="text-failed">{saga.failedStep}</dd>
          </div>
        ) : null}
        {saga.timeToConsistencyMs !== null ? (
          <div>
            <dt title="First forward failure → last successful compensation">Time to consistency</dt>
            <dd data-testid="time-to-consistency">{formatDuration(saga.timeToConsistencyMs)}</dd>
          </div>
        ) : null}
        {saga.repairedAt !== null && saga.timeToRepairMs !== null ? (
          <div data-testid="repaired">
            <dt title="An operator's manual steps brought the saga to a good end. Time to repair: from the saga's own first failure to the end of the last successful manual step">
              Repaired by an operator
            </dt>
            <dd>
              <span data-testid="time-to-repair">{formatDuration(saga.timeToRepairMs)}</span> after the failure{' '}
              <span className="muted">
                (<Timestamp iso={saga.repairedAt} relative />)
              </span>
            </dd>
          </div>
        ) : null}
        <div className="facts__wide">
          <dt>Services</dt>
          <dd>{saga.services.length > 0 ? saga.services.join(', ') : <span className="muted">none</span>}</dd>
        </div>
        <div className="facts__wide">
          <dt>Traces</dt>
          <dd>
            <ul className="inline-list" data-testid="trace-links">
              {traceIds.slice(0, MAX_TRACE_LINKS).map((t) => (
                <li key={t}>
                  {/* Not prefetched: a trace can hold tens of thousands of spans, and a prefetch
                      renders its page on the server while this one is still loading. */}
                  <Link href={traceHref(t, { saga: saga.id })} className="mono" prefetch={false}>
                    {t}
                  </Link>
                </li>
              ))}
              {traceIds.length > MAX_TRACE_LINKS ? (
                <li className="muted">and {(traceIds.length - MAX_TRACE_LINKS).toLocaleString('en-US')} more (select a step to open its trace)</li>
              ) : null}
            </ul>
          </dd>
        </div>
      </dl>
    </header>
  );
}
