'use client';

import { formatLocalDateTime, formatRelative, formatUtcDateTime } from '@/lib/ui/format';
import { useIsClient } from './useIsClient';

/**
 * A timestamp in the viewer's time zone. The server does not know that zone, so
 * it renders UTC and the browser swaps in local time after hydration.
 */
export function LocalTime({ iso, relative = false, millis = false }: { iso: string; relative?: boolean; millis?: boolean }) {
  const isClient = useIsClient();
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return <span>—</span>;
  return (
    <time dateTime={iso} title={iso} className="local-time">
      {isClient ? formatLocalDateTime(ms, millis) : formatUtcDateTime(ms)}
      {relative && isClient ? <span className="local-time__relative"> · {formatRelative(ms, Date.now())}</span> : null}
    </time>
  );
}
