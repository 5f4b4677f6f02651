'use client';

import { startTransition, useCallback, useEffect, useMemo, useState } from 'react';
import Link from 'next/link';
import type { AnomalyJson } from '@/lib/api/types';
import type { CompensationChain } from '@/lib/saga-view/chain';
import type { SagaStatus } from '@/lib/saga/types';
import type { TimelineColumns, TimelineItem } from '@/lib/ui/timeline-columns';
import { decodeTimelineWire, type TimelineWire } from '@/lib/ui/timeline-wire';
import { decodeChainWire } from '@/lib/ui/chain-wire';
import { rowsFromColumns } from '@/lib/ui/timeline-rows';
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
import type { StepGraphView } from '@/lib/saga-view/step-graph-layout';

type RowsState =
  | { state: 'loading' }
  /** `chain`: built on the server, pointing into these rows, still encoded. */
  | { state: 'loaded'; columns: TimelineColumns; chain: unknown }
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
        const { columns, chain } = decodeTimelineWire(body);
        // Not urgent: a click or a key press on the first screen goes first.
        startTransition(() => setState({ state: 'loaded', columns, chain }));
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
  timelineTotal = timeline.n,
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
  /** All rows and their chain, or the first screen of rows when `timelineSrc` is set (lib/saga-view/page-timeline.ts). */
  timeline: TimelineWire;
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
  /** Laid out on the server (lib/saga-view/step-graph-layout.ts). */
  stepGraph?: StepGraphView | null;
  /** For the link to this saga's service graph. */
  sagaId?: string | null;
}) {
  const [selectedId, select] = useSpanSelection(initialSpan);
  const [remaining, retryRows] = useRemainingRows(timelineSrc);
  const complete = timelineSrc === null || remaining.state === 'loaded';
  // The page's own rows (and, for a saga small enough to carry whole, its chain), decoded once.
  const inline = useMemo(() => decodeTimelineWire(timeline), [timeline]);
  const columns = remaining.state === 'loaded' ? remaining.columns : inline.columns;
  // Row objects are made only for the rows drawn (lib/ui/timeline-rows.ts).
  const rows = useMemo(() => rowsFromColumns(columns, timelineScale), [columns, timelineScale]);
  const [chain, chainError] = useChain(
    timelineSrc === null ? inline.columns : remaining.state === 'loaded' ? remaining.columns : null,
    timelineSrc === null ? inline.chain : remaining.state === 'loaded' ? remaining.chain : null,
  );
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
        {chain && complete ? (
          <CompensationChainView chain={chain} rows={rows} sagaStatus={sagaStatus} selectedId={selectedId} onSelect={select} />
        ) : remaining.state === 'error' ? (
          <p className="muted">The compensation chain needs all {timelineTotal.toLocaleString('en-US')} steps, which could not be loaded.</p>
        ) : chainError ? (
          <p className="muted">The compensation chain could not be read ({chainError}).</p>
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
 * The compensation chain, built on the server and sent with the rows it points
 * into (lib/ui/chain-wire.ts). A small saga's is decoded during render (no
 * flash of "building…"). A large saga's is decoded once its rows have arrived
 * and the page has settled (the first input or CHAIN_SETTLE_MS, then an idle
 * period: lib/ui/idle.ts whenSettled): decoding a 50,000-step saga's chain took ~15–60 ms,
 * which should delay neither the first screen nor a first click.
 */
const DEFER_CHAIN_ROWS = 2_000;
const CHAIN_SETTLE_MS = 1_000;

type ChainState = [chain: CompensationChain | null, error: string | null];

function decodeChain(shipped: unknown, columns: TimelineColumns): ChainState {
  if (shipped === null) return [null, 'the server sent none'];
  try {
    return [decodeChainWire(shipped, columns), null];
  } catch (err) {
    return [null, err instanceof Error ? err.message : String(err)];
  }
}

function useChain(columns: TimelineColumns | null, shipped: unknown): ChainState {
  const small = columns !== null && columns.id.length <= DEFER_CHAIN_ROWS;
  const immediate = useMemo<ChainState | null>(() => (small && columns ? decodeChain(shipped, columns) : null), [small, columns, shipped]);
  const [deferred, setDeferred] = useState<{ columns: TimelineColumns; state: ChainState } | null>(null);
  useEffect(() => {
    if (small || columns === null) return;
    return whenSettled(() => {
      const state = decodeChain(shipped, columns);
      startTransition(() => setDeferred({ columns, state }));
    }, CHAIN_SETTLE_MS);
  }, [small, columns, shipped]);
  if (immediate) return immediate;
  return deferred && deferred.columns === columns ? deferred.state : [null, null];
}
