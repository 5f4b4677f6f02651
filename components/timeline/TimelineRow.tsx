import { memo } from 'react';
import type { TimelineItem } from '@/lib/ui/timeline-columns';
import { barBox, type TimeScale } from '@/lib/ui/timeline-scale';
import { formatDuration } from '@/lib/ui/format';
import { UndoIcon } from '../UndoIcon';

const OUTCOME_TEXT: Record<TimelineItem['outcome'], string> = {
  ok: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  rejected: 'rejected',
  running: 'running',
};

/** Marker text after a bar (the compensation mark is drawn separately): #n retry, ✕ failed, ⊘ rejected. */
function annotation(item: TimelineItem, durationMs: number): string {
  const parts: string[] = [];
  if (item.attempt > 1) parts.push(`#${item.attempt}`);
  if (item.outcome === 'failed') parts.push('✕');
  else if (item.outcome === 'rejected') parts.push('⊘ rejected');
  else if (item.outcome === 'skipped') parts.push('skipped');
  else if (item.outcome === 'running') parts.push('running');
  parts.push(formatDuration(durationMs));
  return parts.join(' ');
}

export interface TimelineRowProps {
  item: TimelineItem;
  index: number;
  domId: string;
  top: number;
  scale: TimeScale;
  selected: boolean;
  onSelect: (id: string) => void;
  /** Indent rows by tree depth (trace view). */
  showDepth: boolean;
  /** Tree mode: the row is a tree item, with a toggle unless it is a leaf. */
  treeState?: 'leaf' | 'expanded' | 'collapsed';
  /** Descendants hidden under this collapsed row. */
  hiddenCount?: number;
  onToggle?: (index: number) => void;
  /** A search match. */
  highlighted?: boolean;
}

/**
 * One row of a gantt chart. Only rows in view are mounted, and each does O(1)
 * work with the chart's precomputed scale; memoised so moving the selection
 * re-renders two rows, not the whole window.
 */
export const TimelineRow = memo(function TimelineRow({
  item,
  index,
  domId,
  top,
  scale,
  selected,
  onSelect,
  showDepth,
  treeState,
  hiddenCount = 0,
  onToggle,
  highlighted = false,
}: TimelineRowProps) {
  const durationMs = Math.max(0, item.endMs - item.startMs);
  const box = barBox(scale, item.startMs, item.endMs);
  const barClass = [
    'bar',
    `bar--${item.tone}`,
    `bar--${item.outcome}`,
    item.attempt > 1 ? 'bar--retry' : '',
    item.manual ? 'bar--manual' : '',
  ].join(' ');
  // The note goes after the bar; near the right edge before it, or inside a bar
  // that spans most of the track. A bar outside a zoom window is not drawn: its
  // note sits at the edge it lies beyond, with an arrow that way.
  const endPct = box.leftPct + box.widthPct;
  const notePlace = box.outside ? 'edge' : endPct <= 80 ? 'after' : box.leftPct >= 30 ? 'before' : 'inside';
  const noteStyle: React.CSSProperties =
    box.outside === 'before'
      ? { left: 0 }
      : box.outside === 'after'
        ? { right: 0 }
        : notePlace === 'after'
          ? { left: `${endPct}%`, paddingLeft: 4 }
          : notePlace === 'before'
            ? { right: `${100 - box.leftPct}%`, paddingRight: 4 }
            : { right: `${100 - endPct}%`, marginRight: 4 };
  const opText = item.op ? `${item.op}${item.attempt > 1 ? ` #${item.attempt}` : ''}` : null;
  const hidden = treeState === 'collapsed' && hiddenCount > 0 ? `, ${hiddenCount} span${hiddenCount === 1 ? '' : 's'} collapsed` : '';
  const label = `${item.label}${opText ? `, ${opText}` : ''}${item.manual ? ', repair (run by an operator from sagascope)' : ''}, ${item.service}, ${OUTCOME_TEXT[item.outcome]}, ${formatDuration(durationMs)}${item.error ? `, error: ${item.error}` : ''}${hidden}${highlighted ? ', matches the search' : ''}`;
  return (
    <div
      id={domId}
      role={treeState ? 'treeitem' : 'option'}
      aria-selected={selected}
      aria-level={treeState ? item.depth + 1 : undefined}
      aria-expanded={treeState && treeState !== 'leaf' ? treeState === 'expanded' : undefined}
      aria-label={label}
      title={label}
      className={`timeline-row${selected ? ' timeline-row--selected' : ''}${item.outcome === 'failed' ? ' timeline-row--failed' : ''}${highlighted ? ' timeline-row--match' : ''}`}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(item.id)}
      data-testid="timeline-row"
      data-index={index}
      data-span-id={item.id}
      data-tone={item.tone}
      data-outcome={item.outcome}
      data-attempt={item.attempt}
      data-manual={item.manual ? 'true' : undefined}
      data-tree={treeState}
      data-match={highlighted ? 'true' : undefined}
      data-outside={box.outside}
    >
      <div className="timeline-row__label" style={showDepth ? { paddingLeft: `${6 + Math.min(item.depth, 24) * 12}px` } : undefined}>
        {treeState ? (
          // Mouse affordance only: the tree item carries aria-expanded and the keyboard uses ←/→.
          <span
            className={`tree-toggle tree-toggle--${treeState}`}
            aria-hidden="true"
            data-testid={treeState === 'leaf' ? undefined : 'tree-toggle'}
            onClick={
              treeState === 'leaf' || !onToggle
                ? undefined
                : (e) => {
                    e.stopPropagation();
                    onToggle(index);
                  }
            }
          >
            {treeState === 'expanded' ? '▾' : treeState === 'collapsed' ? '▸' : ''}
          </span>
        ) : null}
        <span className="timeline-row__name">{item.label}</span>
        {hidden ? (
          <span className="tree-hidden" data-testid="tree-hidden-count" title={hidden.slice(2)}>
            +{hiddenCount.toLocaleString('en-US')}
          </span>
        ) : null}
        {opText ? <span className={`op op--${item.tone}`}>{opText}</span> : null}
        {item.manual ? (
          <span className="manual-badge" data-testid="manual-badge" title="Run by an operator from sagascope">
            repair
          </span>
        ) : null}
        <span className="timeline-row__service">{item.service}</span>
      </div>
      <div className="timeline-row__track">
        {box.outside ? null : <div className={barClass} style={{ left: `${box.leftPct}%`, width: `${box.widthPct}%` }} />}
        <span
          className={`bar-note bar-note--${notePlace}${item.outcome === 'failed' ? ' bar-note--failed' : ''}`}
          style={noteStyle}
        >
          {box.outside === 'before' ? '◂ ' : null}
          {item.tone === 'compensation' ? <UndoIcon /> : null}
          {annotation(item, durationMs)}
          {box.outside === 'after' ? ' ▸' : null}
        </span>
      </div>
    </div>
  );
});
