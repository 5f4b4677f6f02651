'use client';

import { memo, useEffect, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { ChainSide, CompensationChain, CompensationPair, PairStatus } from '@/lib/saga-view/chain';
import type { SagaStatus, StepResult } from '@/lib/saga/types';
import { RESULT_OF_OUTCOME } from '@/lib/ui/timeline-columns';
import type { TimelineRows } from '@/lib/ui/timeline-rows';
import { UndoIcon } from '../UndoIcon';

const COLUMN_WIDTH = 168;

const STATUS_TEXT: Record<PairStatus, string> = {
  compensated: 'compensated',
  not_needed: 'no compensation needed',
  pending: 'not compensated yet',
  missing: 'missing compensation',
  compensation_failed: 'compensation failed',
  forward_failed: 'nothing to undo',
  forward_running: 'forward op running',
  null_compensation: 'compensation without action',
};

const RESULT_MARK: Record<StepResult, string> = {
  success: '✓',
  failure: '✕',
  skipped: '∅',
  rejected: '⊘',
  running: '…',
  // DTM's readings of a zero-code branch's answer: an error it retries, ONGOING.
  transient: '✕',
  ongoing: '…',
};

/**
 * Forward steps left → right in step-index order; each one's compensation under
 * it. Compensations run right → left (reverse order), so the lower lane's arrows
 * point left; the number on a compensation is the order it actually ran in.
 * Virtualised horizontally, since a saga can have thousands of steps. Each
 * side names a timeline row (lib/saga-view/chain.ts): op, span and result are
 * read from `rows`, for the columns drawn only.
 */
export function CompensationChainView({
  chain,
  rows,
  sagaStatus,
  selectedId,
  onSelect,
}: {
  chain: CompensationChain;
  /** The rows the chain points into. */
  rows: TimelineRows;
  sagaStatus: SagaStatus;
  selectedId: string | null;
  onSelect: (spanId: string) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { pairs } = chain;
  const virtualizer = useVirtualizer({
    horizontal: true,
    count: pairs.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => COLUMN_WIDTH,
    overscan: 6,
  });

  const selectedColumn = useMemo(() => {
    if (selectedId === null) return -1;
    const shows = (side: ChainSide | null) => side !== null && rows.idAt(side.row) === selectedId;
    return pairs.findIndex((p) => shows(p.forward) || shows(p.compensation));
  }, [pairs, rows, selectedId]);
  useEffect(() => {
    if (selectedColumn >= 0) virtualizer.scrollToIndex(selectedColumn, { align: 'auto' });
  }, [selectedColumn, virtualizer]);

  if (pairs.length === 0) {
    return <p className="muted">No forward steps or compensations recorded yet.</p>;
  }

  const forwardOk = pairs.filter((p) => p.forward && p.forward.successes > 0).length;
  return (
    <div className="chain" data-testid="compensation-chain">
      <p className="chain__summary">
        {forwardOk.toLocaleString('en-US')} forward step{forwardOk === 1 ? '' : 's'} succeeded ·{' '}
        {chain.compensatedCount.toLocaleString('en-US')} compensated
        {chain.expectCompensation ? (
          <>
            {' · '}
            <span className={chain.gapCount > 0 ? 'text-failed' : undefined} data-testid="chain-gap-count">
              {chain.gapCount.toLocaleString('en-US')} gap{chain.gapCount === 1 ? '' : 's'}
            </span>
          </>
        ) : (
          <span className="muted"> · the saga is {sagaStatus}, so no compensation is expected</span>
        )}
      </p>
      <div className="chain__body">
        <div className="chain__lanes" aria-hidden="true">
          <span className="chain__lane chain__lane--forward">forward →</span>
          <span className="chain__lane chain__lane--compensation">← compensation</span>
        </div>
        <div ref={scrollRef} className="chain__scroller" role="list" aria-label="Compensation chain, in step order">
          <div className="chain__canvas" style={{ width: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((v) => (
              <PairColumn
                key={pairs[v.index].key}
                pair={pairs[v.index]}
                rows={rows}
                left={v.start}
                last={v.index === pairs.length - 1}
                selectedId={selectedId}
                onSelect={onSelect}
              />
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

const PairColumn = memo(function PairColumn({
  pair,
  rows,
  left,
  last,
  selectedId,
  onSelect,
}: {
  pair: CompensationPair;
  rows: TimelineRows;
  left: number;
  last: boolean;
  selectedId: string | null;
  onSelect: (spanId: string) => void;
}) {
  return (
    <div
      role="listitem"
      className={`pair pair--${pair.status}${pair.gap ? ' pair--gap' : ''}${last ? ' pair--last' : ''}`}
      style={{ transform: `translateX(${left}px)`, width: COLUMN_WIDTH }}
      // Only a succeeded forward step forms a pair; the failed step and stray
      // compensations are shown for context under another id.
      data-testid={pair.forward !== null && pair.forward.successes > 0 ? 'compensation-pair' : 'chain-step'}
      data-step={pair.step}
      data-status={pair.status}
      data-gap={pair.gap}
      aria-label={`Step ${pair.index} ${pair.step}: ${STATUS_TEXT[pair.status]}`}
    >
      <div className="pair__step" title={pair.step}>
        <span className="pair__index">{pair.index}</span> {pair.step}
      </div>
      <Cell side={pair.forward} rows={rows} kind="forward" selectedId={selectedId} onSelect={onSelect} emptyText="never ran" />
      <div className="pair__link" aria-hidden="true" />
      <Cell
        side={pair.compensation}
        rows={rows}
        kind="compensation"
        selectedId={selectedId}
        onSelect={onSelect}
        emptyText={STATUS_TEXT[pair.status]}
        order={pair.compensationOrder}
        outOfOrder={pair.outOfOrder}
        gap={pair.gap}
        statusText={pair.gap || pair.status === 'null_compensation' ? STATUS_TEXT[pair.status] : null}
      />
    </div>
  );
});

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n.toLocaleString('en-US')}${suffix}`;
}

function Cell({
  side,
  rows,
  kind,
  selectedId,
  onSelect,
  emptyText,
  order = null,
  outOfOrder = false,
  gap = false,
  statusText = null,
}: {
  side: ChainSide | null;
  rows: TimelineRows;
  kind: 'forward' | 'compensation';
  selectedId: string | null;
  onSelect: (spanId: string) => void;
  emptyText: string;
  order?: number | null;
  outOfOrder?: boolean;
  gap?: boolean;
  statusText?: string | null;
}) {
  if (!side) {
    return (
      <div className={`cell cell--${kind} cell--empty${gap ? ' cell--gap' : ''}`} data-testid={gap ? 'chain-gap' : undefined}>
        {emptyText}
      </div>
    );
  }
  const row = rows.at(side.row);
  const result = RESULT_OF_OUTCOME[row.outcome];
  const retries =
    side.attempts > 1
      ? `${side.attempts} attempts${side.failures > 0 ? `, ${side.failures} failed` : ''}${side.successes > 1 ? `, ${side.successes} succeeded` : ''}`
      : null;
  return (
    <button
      type="button"
      className={`cell cell--${kind} cell--${result}${gap ? ' cell--gap' : ''}`}
      aria-pressed={selectedId === row.id}
      onClick={() => onSelect(row.id)}
      data-testid={gap ? 'chain-gap' : undefined}
      title={`${row.op}: ${result}${retries ? ` (${retries})` : ''}${row.manual ? ', a repair run by an operator' : ''}`}
    >
      <span className="cell__op">
        {kind === 'compensation' ? <UndoIcon /> : null}
        {row.op} <span className="cell__mark">{RESULT_MARK[result]}</span>
      </span>
      {order !== null ? (
        <span className="cell__note" title="Position in the order the compensations actually ran">
          ran {ordinal(order)}
        </span>
      ) : null}
      {retries ? <span className="cell__note">{retries}</span> : null}
      {row.manual ? (
        <span className="cell__note" title="Run by an operator from sagascope; not judged for compensation order">
          <span className="manual-badge" data-testid="chain-repair">
            repair
          </span>
        </span>
      ) : null}
      {outOfOrder ? (
        <span
          className="cell__note cell__note--warn"
          data-testid="chain-out-of-order"
          title="Compensated before a step that ran after it was: compensations of sequential steps should run in reverse order (see the anomaly)"
        >
          out of order
        </span>
      ) : null}
      {statusText ? <span className="cell__note cell__note--gap">{statusText}</span> : null}
    </button>
  );
}
