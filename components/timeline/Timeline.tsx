'use client';

import { useCallback, useEffect, useId, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { TimelineRows } from '@/lib/ui/timeline-rows';
import { axisTicks, brushWindow, displayScale, zoomAround, type AxisView } from '@/lib/ui/time-axis';
import { formatDuration } from '@/lib/ui/format';
import { Timestamp } from '@/components/time/Timestamp';
import { TimelineRow } from './TimelineRow';
import { TimelineBrush } from './TimelineBrush';
import { TimelineOverview } from './TimelineOverview';
import { useTimelineAxis } from './useTimelineAxis';

const ROW_HEIGHT = 26;
const MAX_HEIGHT = 560;
/** One press of Zoom in / Zoom out (or + / −) halves / doubles the time in view. */
const ZOOM_STEP = 2;
/** A wheel notch (deltaY ≈ 100) with ctrl / ⌘ zooms by ≈ 1.65×. */
const WHEEL_RATE = 0.005;

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
 * DOM, so 50,000 steps scroll like 50. Keyboard: ↑/↓ move the selection,
 * PgUp/PgDn by a screen, Home/End; in tree mode (WAI-ARIA tree pattern) →
 * expands the selected row or moves to its first child, ← collapses it or moves
 * to its parent; + / − zoom in and out, 0 resets the zoom.
 *
 * The axis (lib/ui/time-axis.ts): long idle stretches (a coordinator's retry
 * backoff, an operator's repair minutes later) collapse into narrow hatched
 * bands marked with the time they stand for, on the axis and down the rows; a
 * drag on the axis or the overview, ctrl / ⌘ + wheel, or the buttons zoom in.
 * Zoom and collapse live in the URL (useTimelineAxis). A change of either
 * recomputes the drawn scale from the few idle gaps, O(gaps), and redraws the
 * rows in view: nothing per row of the timeline.
 */
export function Timeline({ rows, selectedId, onSelect, label, columnTitle, showDepth = false, tree, isHighlighted }: TimelineProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const trackRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const base = rows.scale;
  const [view, setView] = useTimelineAxis(base);
  const scale = useMemo(() => displayScale(base, view), [base, view]);
  const whole = useMemo(() => displayScale(base, { window: null, collapse: view.collapse }), [base, view.collapse]);
  const ticks = useMemo(() => axisTicks(scale, 8), [scale]);
  const breaks = scale.breaks ?? [];
  const cutMs = breaks.reduce((sum, b) => sum + (b.toMs - b.fromMs), 0);
  const hasGaps = (base.gaps?.length ?? 0) > 0;
  const zoomed = view.window !== null;
  const selectedIndex = selectedId === null ? -1 : rows.indexOf(selectedId);

  const setWindow = useCallback((window: AxisView['window']) => setView({ window, collapse: view.collapse }), [setView, view.collapse]);
  const zoomBy = useCallback((pct: number, factor: number) => setWindow(zoomAround(base, scale, pct, factor)), [base, scale, setWindow]);

  // ctrl / ⌘ + wheel zooms around the pointer. A native listener: React's wheel handlers are passive and
  // could not keep the browser from zooming the page instead.
  const zoomByRef = useRef(zoomBy);
  zoomByRef.current = zoomBy;
  useEffect(() => {
    const el = rootRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.deltaY === 0) return;
      e.preventDefault();
      const r = trackRef.current?.getBoundingClientRect();
      const pct = r && r.width > 0 ? Math.min(100, Math.max(0, ((e.clientX - r.left) / r.width) * 100)) : 50;
      zoomByRef.current(pct, Math.exp(Math.max(-200, Math.min(200, e.deltaY)) * WHEEL_RATE));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

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
      case '+':
      case '=':
        e.preventDefault();
        zoomBy(50, 1 / ZOOM_STEP);
        return;
      case '-':
        e.preventDefault();
        zoomBy(50, ZOOM_STEP);
        return;
      case '0':
        e.preventDefault();
        setWindow(null);
        return;
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
    <div className="timeline" data-testid="timeline" ref={rootRef}>
      <div className="timeline__head">
        <span>
          {rows.length.toLocaleString('en-US')} row{rows.length === 1 ? '' : 's'} · starts{' '}
          {rows.length > 0 ? <Timestamp iso={new Date(base.t0).toISOString()} millis /> : '—'} · spans{' '}
          {formatDuration(rows.length > 0 ? base.t1 - base.t0 : 0)}
          {zoomed ? (
            <span data-testid="timeline-window">
              {' '}
              · showing {formatDuration(scale.t0 - base.t0)} – {formatDuration(scale.t1 - base.t0)}
            </span>
          ) : null}
          {breaks.length > 0 ? (
            <span data-testid="timeline-axis-cut">
              {' '}
              · axis cut (⋯): {formatDuration(cutMs)} idle left out
            </span>
          ) : null}
        </span>
        {rows.length > 0 ? (
          <span className="timeline__zoom" role="group" aria-label="Timeline zoom">
            {hasGaps ? (
              <label className="timeline__collapse" title="Draw long idle stretches as narrow bands">
                <input
                  type="checkbox"
                  checked={view.collapse}
                  onChange={(e) => setView({ window: view.window, collapse: e.target.checked })}
                  data-testid="timeline-collapse"
                />{' '}
                Collapse idle gaps
              </label>
            ) : null}
            <button type="button" className="button button--small" onClick={() => zoomBy(50, ZOOM_STEP)} disabled={!zoomed} aria-label="Zoom out" aria-keyshortcuts="-" title="Zoom out (−)">
              −
            </button>
            <button type="button" className="button button--small" onClick={() => zoomBy(50, 1 / ZOOM_STEP)} aria-label="Zoom in" aria-keyshortcuts="+" title="Zoom in (+; or drag across the axis, or ctrl / ⌘ + wheel)">
              +
            </button>
            <button type="button" className="button button--small" onClick={() => setWindow(null)} disabled={!zoomed} aria-keyshortcuts="0" data-testid="timeline-reset-zoom">
              Reset zoom
            </button>
          </span>
        ) : null}
      </div>
      {zoomed ? <TimelineOverview whole={whole} window={scale} onBrush={(a, b) => setWindow(brushWindow(base, whole, a, b))} /> : null}
      <div className="timeline__axis">
        <div className="timeline__axis-label" aria-hidden="true">
          {columnTitle}
        </div>
        <div className="timeline__axis-track" ref={trackRef} data-testid="timeline-axis" title="Drag across the axis to zoom into a range">
          {ticks.map((t) => (
            <span
              key={t.offsetMs}
              className={`timeline__tick${t.alignStart ? ' timeline__tick--start' : ''}${t.alignStart && t.pct > 2 ? ' timeline__tick--after-gap' : ''}`}
              style={{ left: `${t.pct}%` }}
              data-testid="timeline-tick"
              aria-hidden="true"
            >
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
              <span className="timeline__gap-label">
                ⋯ {formatDuration(b.toMs - b.fromMs)}
                <br />
                idle
              </span>
            </span>
          ))}
          <TimelineBrush testId="timeline-brush" onBrush={(a, b) => setWindow(brushWindow(base, scale, a, b))} />
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
