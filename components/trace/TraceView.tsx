'use client';

import { useMemo } from 'react';
import { decodeTimelineWire, type TimelineWire } from '@/lib/ui/timeline-wire';
import { rowsFromColumns } from '@/lib/ui/timeline-rows';
import { SpanAttributesPanel } from '../SpanAttributesPanel';
import { Timeline } from '../timeline/Timeline';
import { TimelineLegend } from '../timeline/TimelineLegend';
import { useSpanSelection } from '../useSpanSelection';

/** A trace's spans as an indented timeline, with the selected span's attributes. */
export function TraceView({ timeline, traceId, initialSpan }: { timeline: TimelineWire; traceId: string; initialSpan: string | null }) {
  const [selectedId, select] = useSpanSelection(initialSpan);
  const rows = useMemo(() => rowsFromColumns(decodeTimelineWire(timeline).columns), [timeline]);
  return (
    <section className="section" aria-labelledby="spans-h">
      <div className="section__head">
        <h2 id="spans-h">Spans</h2>
        <TimelineLegend kinds="spans" />
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
          />
        </div>
        <div className="split__side">
          <SpanAttributesPanel target={selectedId ? { traceId, spanId: selectedId } : null} showTraceLink={false} />
        </div>
      </div>
    </section>
  );
}
