/**
 * The one place that turns instants into text and typed wall times back into
 * instants. Every page shows times in one zone, chosen by the viewer (UTC by
 * default, or the browser's own zone) and remembered in a cookie so that pages
 * rendered on the server and the browser agree (app/_lib/time-zone.ts,
 * components/time/TimeZoneProvider.tsx). URLs and the API always carry
 * ISO-8601 UTC, so a link means the same instants for everyone.
 *
 * Pure: the zone is always a parameter, never whatever the process runs in.
 */

export type ZoneMode = 'utc' | 'local';

/** The viewer's choice. `zone` is an IANA name: 'UTC' in utc mode, the browser's zone in local mode. */
export interface ZonePref {
  readonly mode: ZoneMode;
  readonly zone: string;
}

export const UTC_PREF: ZonePref = { mode: 'utc', zone: 'UTC' };

/** Cookie holding the choice: `utc`, or `local:<IANA zone>` (the zone lets the server render local times too). */
export const ZONE_COOKIE = 'sagascope_tz';
/** Browsers cap a cookie's lifetime at 400 days. */
export const ZONE_COOKIE_MAX_AGE_S = 400 * 86_400;

// IANA names are made of these; anything else in a cookie is not a zone.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter per zone: building one costs far more than using it. */
function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (!ZONE_NAME.test(zone)) return false;
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The cookie's value as a choice; anything missing or malformed is the default, UTC. */
export function parseZoneCookie(raw: string | null | undefined): ZonePref {
  if (!raw) return UTC_PREF;
  let value = raw;
  try {
    value = decodeURIComponent(raw);
  } catch {
    return UTC_PREF;
  }
  if (value === 'utc') return UTC_PREF;
  const m = /^local:(.+)$/.exec(value);
  return m && isTimeZone(m[1]!) ? { mode: 'local', zone: m[1]! } : UTC_PREF;
}

export function zoneCookieValue(pref: ZonePref): string {
  return pref.mode === 'utc' ? 'utc' : `local:${pref.zone}`;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const isUtc = (zone: string) => zone === 'UTC';

/** The wall-clock reading in `zone` at the instant `ms`. */
export function wallTime(ms: number, zone: string): WallTime {
  const millisecond = ((ms % 1000) + 1000) % 1000;
  if (isUtc(zone)) {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), millisecond,
    };
  }
  const p: Record<string, string> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(ms))) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
    millisecond,
  };
}

/** The wall time read as if it were UTC: wall-clock arithmetic without zones. */
function wallAsUtcMs(w: WallTime): number {
  const d = new Date(Date.UTC(2000, 0, 1, w.hour, w.minute, w.second, w.millisecond));
  d.setUTCFullYear(w.year, w.month - 1, w.day); // Date.UTC would map years 0–99 to 1900–1999
  return d.getTime();
}

/** Minutes `zone` is ahead of UTC at `ms` (New York in winter: -300). */
export function offsetMinutes(ms: number, zone: string): number {
  if (isUtc(zone)) return 0;
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  const w = wallTime(whole, zone);
  return Math.round((wallAsUtcMs({ ...w, millisecond: 0 }) - whole) / 60_000);
}

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** "UTC+01:00", "UTC-05:00", "UTC+05:30". */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** What follows a time to name its zone: "UTC" in UTC, else the offset at that instant ("UTC-05:00"). */
export function zoneSuffix(ms: number, zone: string): string {
  return isUtc(zone) ? 'UTC' : formatOffset(offsetMinutes(ms, zone));
}

/** The zone as a heading or label says it: "UTC", or "America/New_York (UTC-05:00)" at that instant. */
export function zoneLabel(zone: string, atMs: number): string {
  return isUtc(zone) ? 'UTC' : `${zone} (${formatOffset(offsetMinutes(atMs, zone))})`;
}

export interface DateTimeOptions {
  /** Append ".mmm". */
  millis?: boolean;
  /** Leave out the seconds (and milliseconds). */
  minutes?: boolean;
  /** Leave out the zone suffix (only where a label next to it already names the zone). */
  noZone?: boolean;
}

/**
 * "2026-12-06 20:54:03 UTC", "2026-12-06 15:54:03.123 UTC-05:00": a fixed
 * layout, whatever the browser's locale, so times compare across screens and
 * tickets; '—' for a time that is not one.
 */
export function formatDateTime(ms: number, zone: string, opts: DateTimeOptions = {}): string {
  if (!Number.isFinite(ms)) return '—';
  const w = wallTime(ms, zone);
  let text = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
  if (!opts.minutes) text += `:${pad(w.second)}${opts.millis ? `.${pad(w.millisecond, 3)}` : ''}`;
  return opts.noZone ? text : `${text} ${zoneSuffix(ms, zone)}`;
}

export type InputPrecision = 'minute' | 'second';

/**
 * The value of an `<input type="datetime-local">` showing `ms` in `zone`. Cut to
 * the input's step (a finer value would fail its validation and block the form).
 */
export function toInputValue(ms: number, zone: string, precision: InputPrecision = 'minute'): string {
  if (!Number.isFinite(ms)) return '';
  const w = wallTime(ms, zone);
  if (w.year < 1 || w.year > 9999) return '';
  const base = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  return precision === 'second' ? `${base}:${pad(w.second)}` : base;
}

/** An ISO-8601 time (from the URL) as an input value in `zone`; '' when absent or not a time. */
export function isoToInputValue(iso: string | null | undefined, zone: string, precision: InputPrecision = 'minute'): string {
  const ms = iso ? parseInstant(iso) : null;
  return ms === null ? '' : toInputValue(ms, zone, precision);
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

function parseWall(text: string): WallTime | null {
  const m = WALL.exec(text.trim());
  if (!m) return null;
  const w: WallTime = {
    year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]),
    second: m[6] ? Number(m[6]) : 0,
    millisecond: m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0,
  };
  if (w.month < 1 || w.month > 12 || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
  // Date.UTC rolls 02-30 over into March: a day the month lacks is not a date.
  if (new Date(wallAsUtcMs(w)).getUTCDate() !== w.day) return null;
  return w;
}

/**
 * The instant a wall time names in `zone`, as an `<input type="datetime-local">`
 * gives it ("2026-12-06T15:54" or with seconds). Around daylight-saving changes
 * it follows the usual rule (Temporal's "compatible"): a time that occurs twice
 * (clocks turned back) is its first occurrence; a time that never occurs (clocks
 * turned forward) is moved forward by the gap, so 02:30 on a spring-forward
 * night in New York is 03:30 EDT. null when the text is not a wall time.
 */
export function inputValueToMs(value: string, zone: string): number | null {
  const w = parseWall(value);
  if (!w) return null;
  const asUtc = wallAsUtcMs(w);
  if (isUtc(zone)) return asUtc;
  // The zone's offsets a day either side bracket any transition near this wall time.
  const before = offsetMinutes(asUtc - 86_400_000, zone);
  const after = offsetMinutes(asUtc + 86_400_000, zone);
  const fits = [before, after]
    .map((o) => asUtc - o * 60_000)
    .filter((t) => offsetMinutes(t, zone) * 60_000 === asUtc - t)
    .sort((a, b) => a - b);
  if (fits.length > 0) return fits[0]!;
  // In a gap: read with the offset in force before it, which lands after the gap.
  return asUtc - before * 60_000;
}

/** The same as ISO-8601 UTC, for the URL; null when not a wall time. */
export function inputValueToIso(value: string, zone: string): string | null {
  const ms = inputValueToMs(value, zone);
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The last instant a typed wall time covers, for the upper bound of a list
 * filter: "20:54" runs through 20:54:59.999 and "20:54:03" through 20:54:03.999,
 * so a row shown as 20:54:03.123 is found by "To 20:54:03". It reads back into
 * the input as what was typed. null when not a wall time.
 *
 * `precision` is the field's step. A field with a one-second step still gives
 * "20:54" for 20:54:00 (Chromium leaves out seconds that are zero), so there it
 * runs through 20:54:00.999, not the whole minute.
 */
export function inputValueToIsoThrough(value: string, zone: string, precision: InputPrecision = 'minute'): string | null {
  const ms = inputValueToMs(value, zone);
  if (ms === null) return null;
  const m = WALL.exec(value.trim())!;
  const last = m[7] ? 0 : m[6] || precision === 'second' ? 999 : 59_999;
  return new Date(ms + last).toISOString();
}

const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * An instant from an ISO-8601 string as the API and URLs take it. A date-time
 * with no zone designator is UTC (never the server's or the browser's zone, so
 * a URL means the same instant everywhere); a bare date is its UTC midnight.
 * null when it is not a time.
 */
export function parseInstant(text: string): number | null {
  const s = text.trim();
  if (s.length === 0 || s.length > 64) return null;
  if (WALL.test(s)) return inputValueToMs(s, 'UTC');
  if (!/^[+-]?\d{4,6}-\d{2}-\d{2}/.test(s) || (s.length > 10 && !HAS_ZONE.test(s))) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

// Charts: axis ticks and tooltips, in the chosen zone.

/**
 * An axis label: the time of day for ranges within a day, the date too for
 * longer ones, only the date when buckets are whole days.
 */
export function formatTick(ms: number, bucketMs: number, rangeMs: number, zone: string): string {
  const w = wallTime(ms, zone);
  const date = `${pad(w.month)}-${pad(w.day)}`;
  const time = `${pad(w.hour)}:${pad(w.minute)}`;
  if (bucketMs >= 86_400_000) return date;
  return rangeMs > 86_400_000 ? `${date} ${time}` : time;
}

/** A tooltip's heading: "2026-11-21 10:05 – 10:10 UTC" (the end's date only when it differs). */
export function formatBucketSpan(startMs: number, bucketMs: number, zone: string): string {
  const a = formatDateTime(startMs, zone, { minutes: true, noZone: true });
  const b = formatDateTime(startMs + bucketMs, zone, { minutes: true, noZone: true });
  const span = a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)}` : `${a} – ${b}`;
  return `${span} ${zoneSuffix(startMs, zone)}`;
}
