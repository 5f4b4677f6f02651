import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { traceIdSchema } from '@/lib/api/query';
import { getDb, getTrace } from '@/lib/db';
import { traceColumns, traceRows } from '@/lib/ui/trace-columns';
import { timeScale } from '@/lib/ui/timeline-scale';
import { encodeTimelineWire } from '@/lib/ui/timeline-wire';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';
import { TraceView } from '@/components/trace/TraceView';
import { backToSaga, sagaHref } from '@/lib/ui/trace-links';
import { requirePage } from '../../_lib/auth';

export const dynamic = 'force-dynamic';

type Props = {
  params: Promise<{ traceId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { traceId } = await params;
  return { title: `Trace ${traceId}` };
}

const SPAN_ID = /^[0-9a-fA-F]{16}$/;

export default async function TracePage({ params, searchParams }: Props) {
  await requirePage('read', `/traces/${encodeURIComponent((await params).traceId)}`);
  const parsed = traceIdSchema.safeParse((await params).traceId);
  if (!parsed.success) notFound();
  const { span, saga } = await searchParams;
  const trace = await getTrace(await getDb(), parsed.data);
  if (!trace) notFound();

  // Attributes stay on the server; the panel fetches them for the selected span only.
  const items = traceRows(trace.spans);
  const services = [...new Set(trace.spans.map((s) => s.service))].sort();
  const sagaIds = [...new Set(trace.spans.map((s) => s.sagaId).filter((s): s is string => s !== null))].sort();
  const errors = items.filter((i) => i.outcome === 'failed').length;
  const { t0, t1 } = timeScale(items);
  const initialSpan = typeof span === 'string' && SPAN_ID.test(span) ? span.toLowerCase() : null;
  const backTo = backToSaga(sagaIds, saga);

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/sagas">Sagas</Link> <span aria-hidden="true">/</span>{' '}
        {backTo !== null ? (
          <>
            <Link href={sagaHref(backTo)} className="mono" data-testid="back-to-saga" title={`Back to saga ${backTo}`}>
              {backTo.length > 40 ? `${backTo.slice(0, 40)}…` : backTo}
            </Link>{' '}
            <span aria-hidden="true">/</span>{' '}
          </>
        ) : null}
        <span aria-current="page">Trace</span>
      </nav>
      <header className="saga-header" data-testid="trace-header">
        <div className="saga-header__title">
          <h1>Trace</h1>
          {errors > 0 ? <span className="badge badge--failed">{errors} error{errors === 1 ? '' : 's'}</span> : null}
        </div>
        <p className="saga-header__id mono">{trace.traceId}</p>
        <p>
          {/* The route answers with Content-Disposition: attachment, so the browser saves the file. */}
          <a className="button button--small" href={`/api/traces/${trace.traceId}/otlp`} download={`trace-${trace.traceId}.otlp.json`} data-testid="trace-download">
            Download OTLP JSON
          </a>{' '}
          <span className="muted small-print">re-ingests with a POST to any OTLP/HTTP endpoint&apos;s /v1/traces</span>
        </p>
        <dl className="facts">
          <div>
            <dt>Started</dt>
            <dd>
              <Timestamp iso={new Date(t0).toISOString()} relative millis />
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(t1 - t0)}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd>{items.length.toLocaleString('en-US')}</dd>
          </div>
          <div className="facts__wide">
            <dt>Services</dt>
            <dd>{services.join(', ')}</dd>
          </div>
          {sagaIds.length > 0 ? (
            <div className="facts__wide">
              <dt>{sagaIds.length === 1 ? 'Saga' : `Sagas (${sagaIds.length})`}</dt>
              <dd>
                <ul className="inline-list" data-testid="saga-links">
                  {sagaIds.slice(0, 12).map((id) => (
                    <li key={id}>
                      <Link href={sagaHref(id)} className="mono" aria-current={id === backTo ? 'true' : undefined}>
                        {id}
                      </Link>
                    </li>
                  ))}
                  {sagaIds.length > 12 ? <li className="muted">and {sagaIds.length - 12} more</li> : null}
                </ul>
              </dd>
            </div>
          ) : null}
        </dl>
      </header>
      <TraceView timeline={encodeTimelineWire(traceColumns(items))} traceId={trace.traceId} initialSpan={initialSpan} />
    </div>
  );
}
