'use client';

import { useMemo } from 'react';
import { axisTicks, xOf } from '@/lib/ui/time-axis';
import type { TimeScale } from '@/lib/ui/timeline-scale';
import { TimelineBrush } from './TimelineBrush';

/**
 * The whole timeline above a zoomed one (Jaeger's minimap): where the window
 * lies, shaded outside it, with the collapsed gaps; a drag across it picks a
 * new window anywhere in the saga.
 */
export function TimelineOverview({ whole, window, onBrush }: { whole: TimeScale; window: TimeScale; onBrush: (fromPct: number, toPct: number) => void }) {
  const ticks = useMemo(() => axisTicks(whole, 6), [whole]);
  const left = Math.max(0, xOf(whole, window.t0));
  const right = Math.min(100, xOf(whole, window.t1));
  return (
    <div className="timeline__axis timeline__overview" data-testid="timeline-overview">
      <div className="timeline__axis-label">Whole timeline · drag to zoom</div>
      <div className="timeline__axis-track">
        {ticks.map((t) => (
          <span key={t.offsetMs} className={`timeline__tick${t.alignStart ? ' timeline__tick--start' : ''}`} style={{ left: `${t.pct}%` }} aria-hidden="true">
            {t.label}
          </span>
        ))}
        {(whole.breaks ?? []).map((b) => (
          <span key={b.fromMs} className="timeline__break" style={{ left: `${b.leftPct}%`, width: `${b.widthPct}%` }} aria-hidden="true" />
        ))}
        <span className="timeline__overview-shade" style={{ left: 0, width: `${left}%` }} aria-hidden="true" />
        <span className="timeline__overview-window" style={{ left: `${left}%`, width: `${Math.max(0, right - left)}%` }} data-testid="timeline-overview-window" />
        <span className="timeline__overview-shade" style={{ left: `${right}%`, right: 0 }} aria-hidden="true" />
        <TimelineBrush testId="timeline-overview-brush" onBrush={onBrush} />
      </div>
    </div>
  );
}
