'use client';

import { useCallback, useMemo } from 'react';
import Link from 'next/link';
import type { AnomalyJson } from '@/lib/api/types';
import { buildChainFromSteps } from '@/lib/saga/compensation-chain';
import type { SagaStatus } from '@/lib/saga/types';
import { timelineItemsToChainSteps, type TimelineItem } from '@/lib/ui/timeline-items';
import { unpackTimeline, type PackedTimeline } from '@/lib/ui/timeline-pack';
import { SpanAttributesPanel, type SpanTarget } from '../SpanAttributesPanel';
import { Timeline } from '../timeline/Timeline';
import { TimelineLegend } from '../timeline/TimelineLegend';
import { useSpanSelection } from '../useSpanSelection';
import { AnomalyList } from './AnomalyList';
import { SagaActions, type ActionStepOption } from '../actions/SagaActions';
import { CompensationChainView } from './CompensationChainView';
import { StepGraph, StepGraphLegend } from './StepGraph';
import type { StepGraphView } from '@/lib/saga/step-graph-view';

/** A saga can have thousands of distinct steps; the action menu lists the first ones (selecting a row picks any). */
const MAX_STEP_OPTIONS = 500;

/** The interactive part of a saga's page: everything that shares the selected span. */
export function SagaDetailView({
  sagaName,
  sagaStatus,
  timeline,
  anomalies,
  traceIds,
  initialSpan,
  actions = null,
  stepGraph = null,
  sagaId = null,
}: {
  sagaName: string;
  sagaStatus: SagaStatus;
  timeline: PackedTimeline;
  anomalies: AnomalyJson[];
  traceIds: string[];
  initialSpan: string | null;
  /** Set when the viewer may act on this saga (operator / admin, not read-only). */
  actions?: { sagaId: string } | null;
  /** Laid out on the server (lib/saga/step-graph-view.ts). */
  stepGraph?: StepGraphView | null;
  /** For the link to this saga's service graph. */
  sagaId?: string | null;
}) {
  const [selectedId, select] = useSpanSelection(initialSpan);
  // Once per page load: the rows and the chain derived from them (cheap next to shipping both).
  const items = useMemo(() => unpackTimeline(timeline), [timeline]);
  const chain = useMemo(() => buildChainFromSteps(timelineItemsToChainSteps(items), sagaStatus), [items, sagaStatus]);
  const itemsById = useMemo(() => {
    const m = new Map<string, TimelineItem>();
    for (const it of items) if (!m.has(it.id)) m.set(it.id, it);
    return m;
  }, [items]);

  // Evidence sits above the timeline; following it should show the step it names.
  const selectFromEvidence = useCallback(
    (id: string) => {
      select(id);
      document.getElementById('timeline-section')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    [select],
  );

  const selectedItem = selectedId ? itemsById.get(selectedId) : undefined;
  // The saga's steps, once each, in definition order: what the actions can target.
  const stepOptions = useMemo(() => {
    const byName = new Map<string, ActionStepOption>();
    for (const it of items) if (it.stepIndex >= 0 && !byName.has(it.label)) byName.set(it.label, { name: it.label, index: it.stepIndex });
    return [...byName.values()].sort((a, b) => a.index - b.index || (a.name < b.name ? -1 : 1)).slice(0, MAX_STEP_OPTIONS);
  }, [items]);
  // Evidence can name a span that is not a step (a coordinator span); its trace is
  // only certain when the saga has a single trace.
  const target: SpanTarget | null = selectedId
    ? selectedItem
      ? { traceId: selectedItem.traceId, spanId: selectedId }
      : traceIds.length === 1
        ? { traceId: traceIds[0], spanId: selectedId }
        : null
    : null;

  return (
    <>
      {actions ? (
        <SagaActions sagaId={actions.sagaId} steps={stepOptions} selectedStep={selectedItem && selectedItem.stepIndex >= 0 ? selectedItem.label : null} />
      ) : null}
      <section className="section" aria-labelledby="anomalies-h">
        <h2 id="anomalies-h">
          Anomalies <span className="count">{anomalies.length}</span>
        </h2>
        <AnomalyList anomalies={anomalies} itemsById={itemsById} selectedId={selectedId} onSelect={selectFromEvidence} />
      </section>

      <section className="section" aria-labelledby="chain-h">
        <h2 id="chain-h">Compensation chain</h2>
        <CompensationChainView chain={chain} sagaStatus={sagaStatus} selectedId={selectedId} onSelect={select} />
      </section>

      {stepGraph && stepGraph.nodes.length > 0 ? (
        <section className="section" aria-labelledby="step-graph-h" data-testid="step-graph-section">
          <div className="section__head">
            <h2 id="step-graph-h">Step graph</h2>
            {sagaId ? (
              <Link href={`/topology?sagaId=${encodeURIComponent(sagaId)}`} data-testid="saga-topology-link">
                Service graph of this saga
              </Link>
            ) : null}
          </div>
          <StepGraphLegend />
          <StepGraph graph={stepGraph} selectedId={selectedId} onSelect={select} label={`Step graph of saga ${sagaName}`} />
        </section>
      ) : null}

      <section className="section" aria-labelledby="timeline-h" id="timeline-section">
        <div className="section__head">
          <h2 id="timeline-h">Step timeline</h2>
          <TimelineLegend kinds="steps" />
        </div>
        <div className="split">
          <div className="split__main">
            {items.length > 0 ? (
              <Timeline
                items={items}
                selectedId={selectedId}
                onSelect={select}
                label={`Steps of saga ${sagaName}`}
                columnTitle="Step · op · service"
              />
            ) : (
              <p className="muted">No step spans recorded for this saga yet.</p>
            )}
          </div>
          <div className="split__side">
            {selectedId && !target ? (
              <aside className="panel span-panel" data-testid="span-attributes">
                <p>
                  Span <code>{selectedId}</code> is not one of the saga&apos;s steps and the saga spans several traces.
                  Open it from its trace.
                </p>
              </aside>
            ) : (
              <SpanAttributesPanel target={target} showSagaLink={false} />
            )}
          </div>
        </div>
      </section>
    </>
  );
}
