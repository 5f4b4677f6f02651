import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { sagaIdSchema } from '@/lib/api/query';
import { decodePageParam } from '@/lib/http/page-param';
import { sagaHref } from '@/lib/ui/trace-links';
import { getSagaDetail, getSagaVersion } from '@/lib/db';
import { isTerminalStatus } from '@/lib/saga/ops';
import { SagaHeader } from '@/components/saga/SagaHeader';
import { SagaDetailView } from '@/components/saga/SagaDetailView';
import { AuditTrail } from '@/components/saga/AuditTrail';
import { ClockSkewNotice } from '@/components/saga/ClockSkewNotice';
import { SagaSizeNotice } from '@/components/saga/SagaSizeNotice';
import { CoordinatorPanel } from '@/components/saga/CoordinatorPanel';
import { SagaKeys } from '@/components/saga/SagaKeys';
import { LiveUpdates } from '@/components/saga/LiveUpdates';
import { roleCan } from '@/lib/auth/roles';
import { currentReadOnly, requirePage } from '../../_lib/auth';
import { pageTimeline } from '@/lib/saga-view/page-timeline';
import { rowOf, errorsOf } from '@/lib/ui/timeline-columns';

export const dynamic = 'force-dynamic';

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  // Unlike the page's, generateMetadata's params arrive decoded (Next 16.4, measured): used as they are.
  return { title: `Saga ${(await params).id}` };
}

const SPAN_ID = /^[0-9a-fA-F]{16}$/;

export default async function SagaPage({ params, searchParams }: Props) {
  const raw = (await params).id;
  const { span } = await searchParams;
  // Pages get their segment percent-encoded: decoded once here, so any id opens (lib/http/page-param.ts).
  const id = decodePageParam(raw);
  const principal = await requirePage('read', id === null ? `/sagas/${raw}` : sagaHref(id));
  if (id === null || !sagaIdSchema.safeParse(id).success) notFound();
  // The version first: a span stored between the two reads leaves the page an older version than
  // its content, so its next poll re-renders once more (never a newer version over older content).
  const version = await getSagaVersion(id);
  const detail = await getSagaDetail(id);
  if (!detail) notFound();
  const { view, audit } = detail;

  const timeline = pageTimeline(view);
  const initialSpan = typeof span === 'string' && SPAN_ID.test(span) ? span.toLowerCase() : null;
  const terminal = isTerminalStatus(view.saga.status);
  // A running saga's version in the address: when a live update brings a new one, the client fetches the new rows.
  const rowsSrc = timeline.partial
    ? `/api/sagas/${encodeURIComponent(view.saga.id)}/timeline${version && !terminal ? `?v=${encodeURIComponent(version.version)}` : ''}`
    : null;
  // A selection (?span=) outside the first screen still names its step before the rest arrives.
  const initialRow = timeline.partial && initialSpan ? view.rows.id.indexOf(initialSpan) : -1;
  // Manual actions: only for roles that may act, and never in read-only mode (the API refuses them too).
  const canAct = principal.kind !== 'anonymous' && roleCan(principal.role, 'act') && !(await currentReadOnly()).active;

  return (
    <div className="page">
      {/* The browser starts fetching the rest of a large timeline while it still parses the page and
          its scripts, so the rows are usually there when it has hydrated (warm loads). The price is on
          a first visit: the server compresses that body while the page's scripts are asked for
          (docs/benchmarks-ui-export.md measures both ways). A <link> element, not ReactDOM.preload():
          Next sends that hint inside the RSC payload, read only at hydration. crossOrigin="anonymous"
          is what fetch() matches. */}
      {rowsSrc ? <link rel="preload" href={rowsSrc} as="fetch" crossOrigin="anonymous" /> : null}
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/sagas">Sagas</Link> <span aria-hidden="true">/</span> <span className="mono">{view.saga.id}</span>
      </nav>
      {version ? <LiveUpdates sagaId={view.saga.id} version={version.version} terminal={terminal} /> : null}
      <SagaHeader saga={view.saga} traceIds={view.traceIds} />
      <SagaKeys keys={detail.keys} />
      <SagaSizeNotice sizes={view.modelledSpans} />
      <ClockSkewNotice corrections={view.clockSkew} />
      {view.coordinator ? <CoordinatorPanel coordinator={view.coordinator} sagaId={view.saga.id} steps={view.stepOptions} canAct={canAct} /> : null}
      <SagaDetailView
        sagaName={view.saga.name ?? view.saga.id}
        sagaStatus={view.saga.status}
        timeline={timeline.wire}
        timelineTotal={timeline.total}
        timelineScale={view.scale}
        timelineSrc={rowsSrc}
        initialItem={initialRow >= 0 ? rowOf(view.rows, initialRow, errorsOf(view.rows), new Set(view.rows.manual)) : null}
        stepOptions={view.stepOptions}
        anomalies={view.anomalies}
        traceIds={view.traceIds}
        initialSpan={initialSpan}
        actions={
          canAct
            ? {
                sagaId: view.saga.id,
                canOverride: principal.role === 'admin',
                compensateSaga: view.compensateSaga,
                failedStep: view.saga.failedStep,
              }
            : null
        }
        stepGraph={view.stepGraph}
        sagaId={view.saga.id}
      />
      {audit.length > 0 ? <AuditTrail entries={audit} /> : null}
    </div>
  );
}
