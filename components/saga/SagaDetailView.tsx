'use client';

import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import Link from 'next/link';
import type { AnomalyJson } from '@/lib/api/types';
import { buildChainFromSteps, type CompensationChain } from '@/lib/saga/compensation-chain';
import type { SagaStatus } from '@/lib/saga/types';
import type { TimelineItem } from '@/lib/ui/timeline-items';
import type { PackedTimeline } from '@/lib/ui/timeline-pack';
import { decodeTimelineWire } from '@/lib/ui/timeline-wire';
import { decodeChainWire } from '@/lib/ui/chain-wire';
import { packedChainSteps, rowsFromPacked } from '@/lib/ui/timeline-rows';
import type { TimeScale } from '@/lib/ui/timeline-scale';
import { whenSettled } from '@/lib/ui/idle';
import { SpanAttributesPanel, type SpanTarget } from '../SpanAttributesPanel';
import { Timeline } from '../timeline/Timeline';
import { TimelineLegend } from '../timeline/TimelineLegend';
import { useSpanSelection } from '../useSpanSelection';
import { AnomalyList } from './AnomalyList';
import { ActionDialog, SagaActions, type ActionRequest, type ActionStepOption } from '../actions/SagaActions';
import { CompensationChainView } from './CompensationChainView';
import { LazyStepGraph } from './LazyStepGraph';
import { StepGraphLegend } from './StepGraphLegend';
import type { StepGraphView } from '@/lib/saga/step-graph-view';

type RowsState =
  | { state: 'loading' }
  /** `chain`: built on the server from these rows, still encoded (null from a body without one: built here then). */
  | { state: 'loaded'; packed: PackedTimeline; chain: unknown }
  | { state: 'error'; message: string };

/**
 * The rest of a large saga's rows (the page carries the first screen). The
 * page preloads the same URL, so this usually finds the body already there.
 */
function useRemainingRows(src: string | null): [RowsState, () => void] {
  const [state, setState] = useState<RowsState>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!src) return;
    const abort = new AbortController();
    (async () => {
      try {
        const res = await fetch(src, { signal: abort.signal });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body: unknown = await res.json();
        // Parsing and decoding are two tasks, not one long one: input that arrives in between
        // (a first click) goes first.
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (abort.signal.aborted) return;
        const { packed, chain } = decodeTimelineWire(body);
        // Not urgent: a click or a key press on the first screen goes first.
        startTransition(() => setState({ state: 'loaded', packed, chain }));
      } catch (err) {
        if (abort.signal.aborted) return;
        setState({ state: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    })();
    return () => abort.abort();
  }, [src, attempt]);
  const retry = useCallback(() => {
    setState({ state: 'loading' });
    setAttempt((a) => a + 1);
  }, []);
  return [state, retry];
}

/** The interactive part of a saga's page: everything that shares the selected span. */
export function SagaDetailView({
  sagaName,
  sagaStatus,
  timeline,
  timelineTotal = timeline.id.length,
  timelineScale,
  timelineSrc = null,
  initialItem = null,
  stepOptions,
  anomalies,
  traceIds,
  initialSpan,
  actions = null,
  stepGraph = null,
  sagaId = null,
}: {
  sagaName: string;
  sagaStatus: SagaStatus;
  /** All rows, or the first screen of them when `timelineSrc` is set. */
  timeline: PackedTimeline;
  /** Rows in the whole timeline. */
  timelineTotal?: number;
  /** Scale of the whole timeline (the first screen is drawn on it). */
  timelineScale?: TimeScale;
  /** Where to fetch all rows when the page carries only the first screen. */
  timelineSrc?: string | null;
  /** The row of `initialSpan` when it may be outside the first screen. */
  initialItem?: TimelineItem | null;
  /** The saga's steps, once each, in definition order: what the actions can target. */
  stepOptions: readonly ActionStepOption[];
  anomalies: AnomalyJson[];
  traceIds: string[];
  initialSpan: string | null;
  /** Set when the viewer may act on this saga (operator / admin, not read-only). */
  actions?: {
    sagaId: string;
    /** An admin: may override an overridable safety refusal by typing the saga id. */
    canOverride: boolean;
    compensateSaga: { refusal: string | null; overridable: boolean };
    /** The failed step, the selector's default when no anomaly names a repairable step. */
    failedStep: string | null;
  } | null;
  /** Laid out on the server (lib/saga/step-graph-view.ts). */
  stepGraph?: StepGraphView | null;
  /** For the link to this saga's service graph. */
  sagaId?: string | null;
}) {
  const [selectedId, select] = useSpanSelection(initialSpan);
  const [remaining, retryRows] = useRemainingRows(timelineSrc);
  const complete = timelineSrc === null || remaining.state === 'loaded';
  const packed = remaining.state === 'loaded' ? remaining.packed : timeline;
  // Row objects are made only for the rows drawn (lib/ui/timeline-rows.ts).
  const rows = useMemo(() => rowsFromPacked(packed, timelineScale), [packed, timelineScale]);
  const chain = useDeferredChain(complete ? packed : null, sagaStatus, remaining.state === 'loaded' ? remaining.chain : null);
  const itemOf = useCallback(
    (id: string): TimelineItem | undefined => {
      const i = rows.indexOf(id);
      if (i >= 0) return rows.at(i);
      return initialItem && initialItem.id === id ? initialItem : undefined;
    },
    [rows, initialItem],
  );

  // Evidence sits above the timeline; following it should show the step it names.
  const selectFromEvidence = useCallback(
    (id: string) => {
      select(id);
      document.getElementById('timeline-section')?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    },
    [select],
  );

  const selectedItem = selectedId ? itemOf(selectedId) : undefined;
  const [acting, setActing] = useState<ActionRequest | null>(null);
  // The step the first repairable anomaly names (most severe first), else the failed step.
  const defaultStep = useMemo(() => {
    const rank = { error: 0, warning: 1, info: 2 } as const;
    const fixable = anomalies.filter((a) => a.suggestedAction?.step).sort((a, b) => rank[a.severity] - rank[b.severity]);
    return fixable[0]?.suggestedAction?.step ?? actions?.failedStep ?? null;
  }, [anomalies, actions?.failedStep]);
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
        <SagaActions
          steps={stepOptions}
          selectedStep={selectedItem && selectedItem.stepIndex >= 0 ? selectedItem.label : null}
          defaultStep={defaultStep}
          compensateSaga={actions.compensateSaga}
          onOpen={setActing}
        />
      ) : null}
      {actions && acting ? <ActionDialog sagaId={actions.sagaId} request={acting} canOverride={actions.canOverride} onClose={() => setActing(null)} /> : null}
      <section className="section" aria-labelledby="anomalies-h">
        <h2 id="anomalies-h">
          Anomalies <span className="count">{anomalies.length}</span>
        </h2>
        <AnomalyList
          anomalies={anomalies}
          itemOf={itemOf}
          selectedId={selectedId}
          onSelect={selectFromEvidence}
          onFix={actions ? (a) => setActing({ action: a.action, step: a.step }) : null}
        />
      </section>

      <section className="section" aria-labelledby="chain-h">
        <h2 id="chain-h">Compensation chain</h2>
        {chain ? (
          <CompensationChainView chain={chain} sagaStatus={sagaStatus} selectedId={selectedId} onSelect={select} />
        ) : remaining.state === 'error' ? (
          <p className="muted">The compensation chain needs all {timelineTotal.toLocaleString('en-US')} steps, which could not be loaded.</p>
        ) : (
          <p className="muted" data-testid="chain-loading">
            Building the compensation chain of {timelineTotal.toLocaleString('en-US')} steps…
          </p>
        )}
      </section>

      {stepGraph && stepGraph.nodes.length > 0 ? (
        <section className="section" aria-labelledby="step-graph-h" data-testid="step-graph-section">
          <div className="section__head">
            <h2 id="step-graph-h">Step graph</h2>
            {sagaId ? (
              // Not prefetched: for a large saga that is a whole topology build on the server, while the page loads.
              <Link href={`/topology?sagaId=${encodeURIComponent(sagaId)}`} prefetch={false} data-testid="saga-topology-link">
                Service graph of this saga
              </Link>
            ) : null}
          </div>
          <StepGraphLegend />
          <LazyStepGraph graph={stepGraph} selectedId={selectedId} onSelect={select} label={`Step graph of saga ${sagaName}`} />
        </section>
      ) : null}

      <section className="section" aria-labelledby="timeline-h" id="timeline-section">
        <div className="section__head">
          <h2 id="timeline-h">Step timeline</h2>
          <TimelineLegend kinds="steps" />
        </div>
        <div className="split">
          <div className="split__main">
            {!complete ? (
              <p className="muted" data-testid="timeline-more" role="status">
                {remaining.state === 'error' ? (
                  <>
                    Showing the first {rows.length.toLocaleString('en-US')} of {timelineTotal.toLocaleString('en-US')} rows: the rest could not be
                    loaded ({remaining.message}).{' '}
                    <button type="button" className="button" onClick={retryRows}>
                      Try again
                    </button>
                  </>
                ) : (
                  <>
                    Showing the first {rows.length.toLocaleString('en-US')} of {timelineTotal.toLocaleString('en-US')} rows; loading the rest…
                  </>
                )}
              </p>
            ) : null}
            {rows.length > 0 ? (
              <Timeline
                rows={rows}
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

/**
 * A large saga's compensation chain comes built with its rows (`shipped`, still
 * encoded): building it here cost 0.06–0.3 s of main-thread time over 50,000
 * steps; decoding it, ~15–60 ms. Either runs once the rows have arrived and the
 * page has settled (the first input or CHAIN_SETTLE_MS, then an idle period:
 * lib/ui/idle.ts whenSettled), so it delays neither the first screen nor a first
 * click. A small saga's chain is built during render (no flash of "building…").
 */
const DEFER_CHAIN_ROWS = 2_000;
const CHAIN_SETTLE_MS = 1_000;

function useDeferredChain(packed: PackedTimeline | null, status: SagaStatus, shipped: unknown): CompensationChain | null {
  const small = shipped === null && packed !== null && packed.id.length <= DEFER_CHAIN_ROWS;
  const immediate = useMemo(() => (small && packed ? buildChainFromSteps(packedChainSteps(packed), status) : null), [small, packed, status]);
  const [deferred, setDeferred] = useState<{ packed: PackedTimeline; status: SagaStatus; chain: CompensationChain } | null>(null);
  useEffect(() => {
    if (small || packed === null) return;
    return whenSettled(() => {
      let chain: CompensationChain | null = null;
      if (shipped !== null) {
        try {
          chain = decodeChainWire(shipped, packed);
        } catch {
          // A malformed chain is not worth an error on the page: the rows are good, build it from them.
        }
      }
      chain ??= buildChainFromSteps(packedChainSteps(packed), status);
      startTransition(() => setDeferred({ packed, status, chain }));
    }, CHAIN_SETTLE_MS);
  }, [small, packed, status, shipped]);
  if (small) return immediate;
  return deferred && deferred.packed === packed && deferred.status === status ? deferred.chain : null;
}
