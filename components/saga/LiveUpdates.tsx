'use client';

import { startTransition, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useRouter } from 'next/navigation';
import { LIVE_POLL_MS, liveLabel, liveMode, nextPollDelayMs } from '@/lib/ui/live-poll';

/**
 * Keeps a running saga's page current: polls the saga's version
 * (GET /api/sagas/{id}/version, If-None-Match → 304 while nothing changed)
 * every LIVE_POLL_MS while the saga is not terminal, the tab is visible and the
 * viewer has not paused, and on a new version re-renders the page on the server
 * with router.refresh(). That merges the new server output into the mounted
 * tree: client state (the selected span, scroll, expanded rows, an open action
 * dialog) stays, nothing remounts and no loading state shows. `version` and
 * `terminal` are the rendered page's, so polling stops once the page shows a
 * terminal saga.
 */
export function LiveUpdates({ sagaId, version, terminal }: { sagaId: string; version: string; terminal: boolean }) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [hidden, setHidden] = useState(false);
  const [checkedMs, setCheckedMs] = useState<number | null>(null);
  const [failing, setFailing] = useState(false);
  const [nowMs, setNowMs] = useState(0);
  // The version the page shows or has asked for: a refresh in flight is not asked for twice.
  const known = useRef(version);
  useEffect(() => {
    known.current = version;
  }, [version]);
  const mounted = useRef(false);
  const refreshing = useRef(false);

  // Next's layout router scrolled the window to the top when a refresh of this page committed
  // (Next 16.x; router.refresh() asks for no scroll, measured all the same in test/e2e/saga-live.spec.ts).
  // This layout effect runs in that commit before the router's own (a parent's), so it reads the
  // reader's position; a microtask puts it back once the commit is done, before anything is painted
  // (the frame callback: should the router scroll in a later commit of the same update).
  useLayoutEffect(() => {
    if (!refreshing.current) return;
    refreshing.current = false;
    const x = window.scrollX;
    const y = window.scrollY;
    const restore = () => {
      if (window.scrollX !== x || window.scrollY !== y) window.scrollTo(x, y);
    };
    queueMicrotask(restore);
    requestAnimationFrame(restore);
  }, [version]);

  useEffect(() => {
    const onVisibility = () => setHidden(document.hidden);
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, []);

  const mode = liveMode({ terminal, paused, hidden });

  useEffect(() => {
    if (mode !== 'live') return;
    let timer: number | undefined;
    let failures = 0;
    const abort = new AbortController();
    const poll = async () => {
      try {
        const res = await fetch(`/api/sagas/${encodeURIComponent(sagaId)}/version`, {
          headers: { 'If-None-Match': `"${known.current}"` },
          cache: 'no-store',
          signal: abort.signal,
        });
        if (res.status === 200) {
          const body = (await res.json()) as { version?: unknown };
          if (typeof body.version === 'string' && body.version !== known.current) {
            known.current = body.version;
            refreshing.current = true;
            // A transition: the current page stays on screen, interactive, until the new one is ready.
            startTransition(() => router.refresh());
          }
        } else if (res.status !== 304) {
          throw new Error(`HTTP ${res.status}`);
        }
        failures = 0;
        setFailing(false);
        setCheckedMs(Date.now());
      } catch {
        if (abort.signal.aborted) return;
        failures += 1;
        setFailing(true);
      }
      if (!abort.signal.aborted) timer = window.setTimeout(poll, nextPollDelayMs(failures));
    };
    // Just rendered: the page is current. Shown again or resumed: it may not be.
    timer = window.setTimeout(poll, mounted.current ? 0 : LIVE_POLL_MS);
    mounted.current = true;
    setCheckedMs((c) => c ?? Date.now());
    const tick = window.setInterval(() => setNowMs(Date.now()), 1_000);
    setNowMs(Date.now());
    return () => {
      abort.abort();
      window.clearTimeout(timer);
      window.clearInterval(tick);
    };
  }, [mode, sagaId, router]);

  return (
    <div className="saga-live" data-testid="saga-live" data-mode={mode} data-version={version}>
      <span className="saga-live__label">{checkedMs === null && mode === 'live' ? 'Live' : liveLabel(mode, checkedMs ?? 0, nowMs, failing)}</span>
      {mode === 'ended' ? null : (
        <button
          type="button"
          className={`toggle ${paused ? '' : 'toggle--on'}`}
          onClick={() => setPaused((p) => !p)}
          data-testid="saga-live-toggle"
        >
          <span className="toggle__dot" aria-hidden="true" />
          {paused ? 'Resume live updates' : 'Pause live updates'}
        </button>
      )}
    </div>
  );
}
