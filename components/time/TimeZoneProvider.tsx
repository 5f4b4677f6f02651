'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import { UTC_PREF, ZONE_COOKIE, ZONE_COOKIE_MAX_AGE_S, isTimeZone, zoneCookieValue, type ZoneMode, type ZonePref } from '@/lib/time/zone';

interface ZoneContext extends ZonePref {
  setMode: (mode: ZoneMode) => void;
}

const Context = createContext<ZoneContext>({ ...UTC_PREF, setMode: () => {} });

/** The browser's own IANA zone; UTC when it does not say. */
export function browserTimeZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

function writeCookie(pref: ZonePref) {
  const secure = window.location.protocol === 'https:' ? '; secure' : '';
  document.cookie = `${ZONE_COOKIE}=${zoneCookieValue(pref)}; path=/; max-age=${ZONE_COOKIE_MAX_AGE_S}; samesite=lax${secure}`;
}

/**
 * The time zone every timestamp and time filter uses. `initial` is what the
 * server read from the cookie, so the first render here matches the server's
 * HTML. A change writes the cookie and re-renders the server's part of the page.
 */
export function TimeZoneProvider({ initial, children }: { initial: ZonePref; children: React.ReactNode }) {
  const router = useRouter();
  const [pref, setPref] = useState<ZonePref>(initial);

  const apply = useCallback(
    (next: ZonePref) => {
      writeCookie(next);
      setPref(next);
      router.refresh();
    },
    [router],
  );

  // "Local" means this browser's zone: a cookie that names another one (set on another machine, or
  // before travelling) is corrected as soon as the browser's zone is known.
  useEffect(() => {
    if (pref.mode !== 'local') return;
    const zone = browserTimeZone();
    if (zone !== pref.zone) apply({ mode: 'local', zone });
  }, [pref, apply]);

  const value = useMemo<ZoneContext>(
    () => ({ ...pref, setMode: (mode) => apply(mode === 'utc' ? UTC_PREF : { mode: 'local', zone: browserTimeZone() }) }),
    [pref, apply],
  );
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/** The chosen zone (`zone` is an IANA name, 'UTC' by default) and the switch. */
export function useTimeZone(): ZoneContext {
  return useContext(Context);
}
