'use client';

import { useCallback, useEffect, useRef, useState } from 'react';

/** Chrome ignores history updates beyond ~100 per 10 s; holding an arrow key would hit that. */
const URL_WRITE_DELAY_MS = 200;

/**
 * The selected span of a timeline page. Its home is the URL (`?span=`), so a
 * link reopens the same selection; the state here mirrors it for instant
 * feedback while the URL is written shortly after, without a server round trip
 * (history.replaceState is integrated with the Next router).
 */
export function useSpanSelection(initial: string | null): [string | null, (id: string | null) => void] {
  const [selected, setSelected] = useState<string | null>(initial);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const select = useCallback((id: string | null) => {
    setSelected(id);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const params = new URLSearchParams(window.location.search);
      if (id) params.set('span', id);
      else params.delete('span');
      const qs = params.toString();
      // null, not window.history.state: Next's patched replaceState passes a state that carries its own
      // marker (__NA) straight through without telling the router, whose URL then kept no ?span= and a
      // router.refresh() (the saga page's live updates) wrote the URL back without the selection.
      window.history.replaceState(null, '', `${window.location.pathname}${qs ? `?${qs}` : ''}${window.location.hash}`);
    }, URL_WRITE_DELAY_MS);
  }, []);

  useEffect(() => () => clearTimeout(timer.current), []);
  return [selected, select];
}
