/**
 * The viewer's time zone as the server sees it: the cookie the switch in the
 * header writes (components/time/TimeZoneProvider.tsx). Read by the layout for
 * the client context and by pages that format times on the server, so both
 * render the same text.
 */
import { cookies } from 'next/headers';
import { parseZoneCookie, ZONE_COOKIE, type ZonePref } from '@/lib/time/zone';

export async function currentZonePref(): Promise<ZonePref> {
  return parseZoneCookie((await cookies()).get(ZONE_COOKIE)?.value);
}
