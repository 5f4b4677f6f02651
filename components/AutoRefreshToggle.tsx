'use client';

import { useEffect } from 'react';
import { useRouter } from 'next/navigation';

/**
 * Re-runs the page's server render every `seconds` while on. The switch lives in
 * the URL (`refresh=`) so a shared link opens the same live view.
 */
export function AutoRefreshToggle({ enabled, seconds }: { enabled: boolean; seconds: number }) {
  const router = useRouter();

  useEffect(() => {
    if (!enabled) return;
    const id = window.setInterval(() => {
      // A background tab does not need fresh data; it refreshes when looked at again.
      if (!document.hidden) router.refresh();
    }, seconds * 1000);
    const onVisible = () => {
      if (!document.hidden) router.refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(id);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [enabled, seconds, router]);

  const toggle = () => {
    const params = new URLSearchParams(window.location.search);
    if (enabled) params.delete('refresh');
    else params.set('refresh', String(seconds));
    const qs = params.toString();
    router.replace(`${window.location.pathname}${qs ? `?${qs}` : ''}`, { scroll: false });
  };

  return (
    <button
      type="button"
      className={`toggle ${enabled ? 'toggle--on' : ''}`}
      aria-pressed={enabled}
      onClick={toggle}
      data-testid="auto-refresh"
    >
      <span className="toggle__dot" aria-hidden="true" />
      Auto-refresh {enabled ? `on (every ${seconds} s)` : 'off'}
    </button>
  );
}
