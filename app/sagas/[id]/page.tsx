import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { sagaIdSchema } from '@/lib/api/query';
import { currentModelConfig, getDb, getSagaDetail, sagaSpanLimit } from '@/lib/db';
import { SagaHeader } from '@/components/saga/SagaHeader';
import { SagaDetailView } from '@/components/saga/SagaDetailView';
import { AuditTrail } from '@/components/saga/AuditTrail';
import { ClockSkewNotice } from '@/components/saga/ClockSkewNotice';
import { SagaSizeNotice } from '@/components/saga/SagaSizeNotice';
import { SagaKeys } from '@/components/saga/SagaKeys';
import { roleCan } from '@/lib/auth/roles';
import { currentReadOnly, requirePage } from '../../_lib/auth';
import { stepsToTimelineItems } from '@/lib/ui/timeline-items';
import { sagaPageData } from './page-data';

export const dynamic = 'force-dynamic';

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  return { title: `Saga ${id}` };
}

const SPAN_ID = /^[0-9a-fA-F]{16}$/;

export default async function SagaPage({ params, searchParams }: Props) {
  const { id } = await params;
  const { span } = await searchParams;
  const principal = await requirePage('read', `/sagas/${encodeURIComponent(id)}`);
  if (!sagaIdSchema.safeParse(id).success) notFound();
  const detail = await getSagaDetail(await getDb(), id, currentModelConfig(), sagaSpanLimit());
  if (!detail) notFound();

  const { timeline, stepOptions, stepGraph } = sagaPageData(detail);
  const initialSpan = typeof span === 'string' && SPAN_ID.test(span) ? span.toLowerCase() : null;
  const partial = timeline.packed.id.length < timeline.total;
  const rowsSrc = partial ? `/api/sagas/${encodeURIComponent(detail.saga.id)}/timeline` : null;
  // A selection (?span=) outside the first screen still names its step before the rest arrives.
  const initialStep = partial && initialSpan ? detail.steps.find((s) => s.spanId === initialSpan) : undefined;
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
        <Link href="/sagas">Sagas</Link> <span aria-hidden="true">/</span> <span className="mono">{detail.saga.id}</span>
      </nav>
      <SagaHeader saga={detail.saga} traceIds={detail.traceIds} />
      <SagaKeys keys={detail.keys} />
      <SagaSizeNotice sizes={detail.modelledSpans} />
      <ClockSkewNotice corrections={detail.clockSkew} />
      <SagaDetailView
        sagaName={detail.saga.name ?? detail.saga.id}
        sagaStatus={detail.saga.status}
        timeline={timeline.packed}
        timelineTotal={timeline.total}
        timelineScale={timeline.scale}
        timelineSrc={rowsSrc}
        initialItem={initialStep ? stepsToTimelineItems([initialStep])[0] : null}
        stepOptions={stepOptions}
        anomalies={detail.anomalies}
        traceIds={detail.traceIds}
        initialSpan={initialSpan}
        actions={
          canAct
            ? {
                sagaId: detail.saga.id,
                canOverride: principal.role === 'admin',
                compensateSaga: detail.compensateSaga,
                failedStep: detail.saga.failedStep,
              }
            : null
        }
        stepGraph={stepGraph}
        sagaId={detail.saga.id}
      />
      {detail.audit.length > 0 ? <AuditTrail entries={detail.audit} /> : null}
    </div>
  );
}
