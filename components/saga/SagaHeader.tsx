import Link from 'next/link';
import type { SagaSummary } from '@/lib/api/types';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';
import { StatusBadge } from '../StatusBadge';

/** A saga can span thousands of traces; the selected step's panel links to its own. */
const MAX_TRACE_LINKS = 12;

export function SagaHeader({ saga, timeToConsistencyMs, traceIds }: { saga: SagaSummary; timeToConsistencyMs: number | null; traceIds: readonly string[] }) {
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
          <dt>Duration</dt>
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
        {timeToConsistencyMs !== null ? (
          <div>
            <dt title="First forward failure → last successful compensation">Time to consistency</dt>
            <dd data-testid="time-to-consistency">{formatDuration(timeToConsistencyMs)}</dd>
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
                  <Link href={`/traces/${t}`} className="mono" prefetch={false}>
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
