'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import type { AxisView } from '@/lib/ui/time-axis';
import { axisViewOf, parseAxisParams, writeAxisParams } from '@/lib/ui/timeline-axis-params';
import type { TimeScale } from '@/lib/ui/timeline-scale';

/** Chrome ignores history updates beyond ~100 per 10 s: a wheel zoom sends dozens a second. */
const URL_WRITE_DELAY_MS = 250;

/**
 * A timeline's zoom window and gap collapse. Its home is the URL (`from`, `to`,
 * `idle`: lib/ui/timeline-axis-params.ts), so a link reopens the same view; the
 * state here mirrors it for instant feedback and is written back shortly after
 * with history.replaceState (no server round trip, the Next router follows).
 * `base`: the whole timeline's scale, whose start the URL counts from.
 */
export function useTimelineAxis(base: TimeScale): [AxisView, (next: AxisView) => void] {
  const params = useSearchParams();
  const [view, setView] = useState<AxisView>(() => axisViewOf(parseAxisParams(params), base.t0, base.t1));
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const origin = base.t0;

  const update = useCallback(
    (next: AxisView) => {
      setView(next);
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        const qs = new URLSearchParams(window.location.search);
        writeAxisParams(qs, next, origin);
        const s = qs.toString();
        window.history.replaceState(window.history.state, '', `${window.location.pathname}${s ? `?${s}` : ''}${window.location.hash}`);
      }, URL_WRITE_DELAY_MS);
    },
    [origin],
  );

  useEffect(() => () => clearTimeout(timer.current), []);
  return [view, update];
}
