'use client';

import { useRef, useState } from 'react';

/** A drag shorter than this (px) is a click, not a range. */
const MIN_BRUSH_PX = 4;

/**
 * A transparent layer over a time track that turns a drag into a range
 * (% of the track, either order): the brush of a Jaeger-style minimap. The
 * range being dragged is drawn as it grows. Pointer capture keeps the drag
 * alive when the pointer leaves the track.
 */
export function TimelineBrush({ onBrush, testId }: { onBrush: (fromPct: number, toPct: number) => void; testId: string }) {
  const [range, setRange] = useState<[number, number] | null>(null);
  const start = useRef<number | null>(null);
  const pctOf = (e: React.PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return r.width > 0 ? Math.min(100, Math.max(0, ((e.clientX - r.left) / r.width) * 100)) : 0;
  };
  const end = (e: React.PointerEvent<HTMLDivElement>, apply: boolean) => {
    const from = start.current;
    start.current = null;
    setRange(null);
    if (from === null || !apply) return;
    const to = pctOf(e);
    const px = (Math.abs(to - from) / 100) * e.currentTarget.getBoundingClientRect().width;
    if (px >= MIN_BRUSH_PX) onBrush(from, to);
  };
  return (
    <div
      className="timeline__brush"
      data-testid={testId}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const p = pctOf(e);
        start.current = p;
        setRange([p, p]);
      }}
      onPointerMove={(e) => {
        if (start.current !== null) setRange([start.current, pctOf(e)]);
      }}
      onPointerUp={(e) => end(e, true)}
      onPointerCancel={(e) => end(e, false)}
    >
      {range ? (
        <span
          className="timeline__brush-range"
          style={{ left: `${Math.min(...range)}%`, width: `${Math.abs(range[1] - range[0])}%` }}
        />
      ) : null}
    </div>
  );
}
