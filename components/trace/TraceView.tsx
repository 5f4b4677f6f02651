'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import { decodeTimelineWire, type TimelineWire } from '@/lib/ui/timeline-wire';
import { rowsFromColumns, type TimelineRows } from '@/lib/ui/timeline-rows';
import {
  buildSpanTree,
  descendantCount,
  expandableRows,
  hasChildren,
  hiddenBy,
  matchingRows,
  positionsOf,
  reveal,
  visibleRows,
} from '@/lib/ui/span-tree';
import { stepMatch } from '@/lib/ui/span-search';
import { SpanAttributesPanel } from '../SpanAttributesPanel';
import { Timeline, type TimelineTree } from '../timeline/Timeline';
import { TimelineLegend } from '../timeline/TimelineLegend';
import { useSpanSelection } from '../useSpanSelection';
import { SpanSearchBar } from './SpanSearchBar';
import { useSpanSearch } from './useSpanSearch';

const NO_ROWS: ReadonlySet<number> = new Set();

/**
 * A trace's spans as a collapsible tree on a timeline, with span search and the
 * selected span's attributes. The chart stays virtualised: it is handed only
 * the visible rows (lib/ui/span-tree.ts), one per span.
 */
export function TraceView({ timeline, traceId, initialSpan }: { timeline: TimelineWire; traceId: string; initialSpan: string | null }) {
  const [selectedId, select] = useSpanSelection(initialSpan);
  const columns = useMemo(() => decodeTimelineWire(timeline).columns, [timeline]);
  const base = useMemo(() => rowsFromColumns(columns), [columns]);
  const tree = useMemo(() => buildSpanTree(columns.depth), [columns]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(NO_ROWS);
  const search = useSpanSearch(columns, traceId, base);
  const [onlyMatches, setOnlyMatches] = useState(false);
  const filtering = onlyMatches && search.active;

  const visible = useMemo(
    () => (filtering ? matchingRows(tree, search.matches) : visibleRows(tree, collapsed)),
    [filtering, tree, search.matches, collapsed],
  );
  const pos = useMemo(() => positionsOf(tree.size, visible), [tree, visible]);
  const isMatch = useMemo(() => {
    const m = new Uint8Array(tree.size);
    for (const r of search.matches) m[r] = 1;
    return m;
  }, [tree, search.matches]);

  const rows: TimelineRows = useMemo(
    () => ({
      length: visible.length,
      at: (k) => base.at(visible[k]!),
      idAt: (k) => base.idAt(visible[k]!),
      indexOf: (id) => {
        const r = base.indexOf(id);
        return r < 0 ? -1 : pos[r]!;
      },
      scale: base.scale,
    }),
    [base, visible, pos],
  );

  const selectedRow = selectedId === null ? -1 : base.indexOf(selectedId);

  const toggleRow = useCallback((r: number) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (!next.delete(r)) next.add(r);
      return next;
    });
  }, []);

  // A collapse that hides the selected span moves the selection to the row that hides it.
  useEffect(() => {
    if (filtering || selectedRow < 0 || pos[selectedRow]! >= 0) return;
    const by = hiddenBy(tree, collapsed, selectedRow);
    if (by >= 0) select(base.at(by).id);
  }, [filtering, selectedRow, pos, tree, collapsed, base, select]);

  const treeControls: TimelineTree = useMemo(
    () => ({
      expandable: (k) => !filtering && hasChildren(tree, visible[k]!),
      expanded: (k) => !collapsed.has(visible[k]!),
      hiddenCount: (k) => (collapsed.has(visible[k]!) ? descendantCount(tree, visible[k]!) : 0),
      toggle: (k) => toggleRow(visible[k]!),
      parentOf: (k) => {
        const p = tree.parent[visible[k]!]!;
        return p < 0 ? -1 : pos[p]!;
      },
    }),
    [filtering, tree, visible, collapsed, toggleRow, pos],
  );
  const isHighlighted = useCallback((k: number) => isMatch[visible[k]!] === 1, [isMatch, visible]);

  const goToMatch = useCallback(
    (dir: 'next' | 'prev') => {
      const k = stepMatch(search.matches, selectedRow, dir);
      if (k < 0) return;
      const row = search.matches[k]!;
      setCollapsed((c) => reveal(tree, c, row));
      select(base.at(row).id);
    },
    [search.matches, selectedRow, tree, base, select],
  );

  const expandable = useMemo(() => expandableRows(tree), [tree]);

  return (
    <section className="section" aria-labelledby="spans-h">
      <div className="section__head">
        <h2 id="spans-h">Spans</h2>
        <TimelineLegend kinds="spans" />
      </div>
      <div className="trace-toolbar" data-testid="trace-toolbar">
        <SpanSearchBar search={search} selectedRow={selectedRow} onStep={goToMatch} onlyMatches={onlyMatches} onOnlyMatches={setOnlyMatches} />
        <div className="trace-toolbar__tree" role="group" aria-label="Span tree">
          <button type="button" className="button button--small" onClick={() => setCollapsed(expandable)} disabled={expandable.size === 0 || filtering}>
            Collapse all
          </button>
          <button type="button" className="button button--small" onClick={() => setCollapsed(NO_ROWS)} disabled={collapsed.size === 0 || filtering}>
            Expand all
          </button>
        </div>
      </div>
      <div className="split">
        <div className="split__main">
          <Timeline
            rows={rows}
            selectedId={selectedId}
            onSelect={select}
            label={`Spans of trace ${traceId}`}
            columnTitle="Span · service"
            showDepth
            tree={treeControls}
            isHighlighted={search.active ? isHighlighted : undefined}
          />
          <p className="muted small-print">
            {filtering
              ? 'Showing the matching spans and the spans above them.'
              : 'Select a span and press ← to collapse it or → to expand it; ▸ / ▾ do the same with the mouse.'}
          </p>
        </div>
        <div className="split__side">
          <SpanAttributesPanel target={selectedId ? { traceId, spanId: selectedId } : null} showTraceLink={false} />
        </div>
      </div>
    </section>
  );
}
