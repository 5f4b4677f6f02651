'use client';

import { formatDateTime, parseInstant } from '@/lib/time/zone';
import { formatRelative } from '@/lib/ui/format';
import { useIsClient } from '../useIsClient';
import { useTimeZone } from './TimeZoneProvider';

/**
 * A timestamp in the zone chosen in the header, always naming that zone
 * ("2026-12-06 20:54:03 UTC", "2026-12-06 15:54:03 UTC-05:00"). The server
 * knows the choice from its cookie, so its HTML already shows the same text;
 * only "5 min ago" waits for the browser's clock.
 */
export function Timestamp({ iso, relative = false, millis = false }: { iso: string; relative?: boolean; millis?: boolean }) {
  const { zone } = useTimeZone();
  const isClient = useIsClient();
  const ms = parseInstant(iso);
  if (ms === null) return <span>—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={`${new Date(ms).toISOString()} (ISO-8601, UTC)`} className="timestamp" data-testid="timestamp">
      {formatDateTime(ms, zone, { millis })}
      {relative && isClient ? <span className="timestamp__relative"> · {formatRelative(ms, Date.now())}</span> : null}
    </time>
  );
}
