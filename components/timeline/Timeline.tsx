'use client';

import { useCallback, useEffect, useId, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { TimelineRows } from '@/lib/ui/timeline-rows';
import { axisTicks } from '@/lib/ui/timeline-break';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';
import { TimelineRow } from './TimelineRow';

const ROW_HEIGHT = 26;
const MAX_HEIGHT = 560;

export interface TimelineProps {
  /** Read lazily: only the rows in view are built (lib/ui/timeline-rows.ts). */
  rows: TimelineRows;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** Accessible name of the list, e.g. "Steps of saga checkout". */
  label: string;
  /** Heading of the left column. */
  columnTitle: string;
  showDepth?: boolean;
  /** Tree mode (the trace page): rows are tree items that expand and collapse (lib/ui/span-tree.ts). */
  tree?: TimelineTree;
  /** Rows to mark (search matches), by row index. */
  isHighlighted?: (i: number) => boolean;
}

/** Expansion state and moves of a tree of rows; every index is a row index of `rows`. */
export interface TimelineTree {
  expandable(i: number): boolean;
  expanded(i: number): boolean;
  /** Descendants hidden under a collapsed row. */
  hiddenCount(i: number): number;
  toggle(i: number): void;
  /** The row of i's parent, -1 for a root (or a parent not shown). */
  parentOf(i: number): number;
}

/**
 * Virtualised gantt chart: one row per item, only the rows in view are in the
 * DOM, so 50,000 steps scroll like 50. The scale and ticks are computed once per
 * item list. Keyboard: ↑/↓ move the selection, PgUp/PgDn by a screen, Home/End;
 * in tree mode (WAI-ARIA tree pattern) → expands the selected row or moves to its
 * first child, ← collapses it or moves to its parent.
 * A broken axis (an operator's repair long after the saga's own run,
 * lib/ui/timeline-break.ts) shows each cut as a hatched band, on the axis and
 * down the rows, and says in the header how much idle time was cut.
 */
export function Timeline({ rows, selectedId, onSelect, label, columnTitle, showDepth = false, tree, isHighlighted }: TimelineProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const { scale } = rows;
  const ticks = useMemo(() => axisTicks(scale, 8), [scale]);
  const breaks = scale.breaks ?? [];
  const cutMs = breaks.reduce((sum, b) => sum + (b.toMs - b.fromMs), 0);
  const selectedIndex = selectedId === null ? -1 : rows.indexOf(selectedId);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // Rows drawn beyond the visible ones: enough for a wheel step to land on drawn rows;
    // more only adds work to every frame of a fast scroll (each frame replaces them all).
    overscan: 6,
  });

  // Bring the selection into view however it changed (keys, URL, an anomaly's evidence link).
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  const rowDomId = useCallback((i: number) => `${idPrefix}-row-${i}`, [idPrefix]);

  const onKeyDown = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (rows.length === 0) return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? MAX_HEIGHT) / ROW_HEIGHT) - 1);
    const last = rows.length - 1;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        next = selectedIndex < 0 ? 0 : Math.min(last, selectedIndex + 1);
        break;
      case 'ArrowUp':
        next = selectedIndex < 0 ? 0 : Math.max(0, selectedIndex - 1);
        break;
      case 'PageDown':
        next = Math.min(last, Math.max(0, selectedIndex) + page);
        break;
      case 'PageUp':
        next = Math.max(0, selectedIndex - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = last;
        break;
      case 'ArrowRight':
      case 'ArrowLeft': {
        if (!tree || selectedIndex < 0) return;
        const i = selectedIndex;
        const open = tree.expandable(i) && tree.expanded(i);
        if (e.key === 'ArrowRight') {
          if (tree.expandable(i) && !open) tree.toggle(i);
          else if (open && i < last) next = i + 1;
        } else if (open) tree.toggle(i);
        else if (tree.parentOf(i) >= 0) next = tree.parentOf(i);
        e.preventDefault();
        if (next === null) return;
        break;
      }
      default:
        return;
    }
    e.preventDefault();
    onSelect(rows.at(next).id);
  };

  const height = Math.min(MAX_HEIGHT, Math.max(ROW_HEIGHT * 3, rows.length * ROW_HEIGHT));

  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline__head">
        <span>
          {rows.length.toLocaleString('en-US')} row{rows.length === 1 ? '' : 's'} · starts{' '}
          {rows.length > 0 ? <Timestamp iso={new Date(scale.t0).toISOString()} millis /> : '—'} · spans{' '}
          {formatDuration(rows.length > 0 ? scale.t1 - scale.t0 : 0)}
          {breaks.length > 0 ? (
            <span data-testid="timeline-axis-cut">
              {' '}
              · axis cut (≈): {formatDuration(cutMs)} without activity before the repair left out
            </span>
          ) : null}
        </span>
      </div>
      <div className="timeline__axis" aria-hidden="true">
        <div className="timeline__axis-label">{columnTitle}</div>
        <div className="timeline__axis-track">
          {ticks.map((t) => (
            <span key={t.offsetMs} className={`timeline__tick${t.alignStart ? ' timeline__tick--start' : ''}`} style={{ left: `${t.pct}%` }}>
              {t.label}
            </span>
          ))}
          {breaks.map((b) => (
            <span
              key={b.fromMs}
              className="timeline__break timeline__break--axis"
              style={{ left: `${b.leftPct}%`, width: `${b.widthPct}%` }}
              data-testid="timeline-break"
              title={`${formatDuration(b.toMs - b.fromMs)} without activity, not drawn to scale`}
            >
              ≈
            </span>
          ))}
        </div>
      </div>
      <div
        ref={scrollRef}
        className="timeline__scroller"
        style={{ height }}
        role={tree ? 'tree' : 'listbox'}
        aria-label={label}
        tabIndex={0}
        aria-activedescendant={selectedIndex >= 0 ? rowDomId(selectedIndex) : undefined}
        onKeyDown={onKeyDown}
      >
        <div className="timeline__canvas" style={{ height: virtualizer.getTotalSize() }}>
          <div className="timeline__grid" aria-hidden="true">
            {ticks.map((t) => (
              <span key={t.offsetMs} style={{ left: `${t.pct}%` }} />
            ))}
            {breaks.map((b) => (
              <span key={`break-${b.fromMs}`} className="timeline__break" style={{ left: `${b.leftPct}%`, width: `${b.widthPct}%` }} />
            ))}
          </div>
          {virtualizer.getVirtualItems().map((v) => (
            <TimelineRow
              key={v.key}
              item={rows.at(v.index)}
              index={v.index}
              domId={rowDomId(v.index)}
              top={v.start}
              scale={scale}
              selected={v.index === selectedIndex}
              onSelect={onSelect}
              showDepth={showDepth}
              treeState={tree ? (tree.expandable(v.index) ? (tree.expanded(v.index) ? 'expanded' : 'collapsed') : 'leaf') : undefined}
              hiddenCount={tree ? tree.hiddenCount(v.index) : 0}
              onToggle={tree?.toggle}
              highlighted={isHighlighted?.(v.index) ?? false}
            />
          ))}
        </div>
      </div>
    </div>
  );
}
