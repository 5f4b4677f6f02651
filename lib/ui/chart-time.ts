/**
 * Times on charts and in the range picker, in a given IANA zone (the browser's
 * own when `timeZone` is undefined). Pure and testable: the zone is a
 * parameter rather than whatever the process happens to run in.
 */

const pad = (n: number) => String(n).padStart(2, '0');

interface Parts { year: number; month: number; day: number; hour: number; minute: number }

function partsIn(ms: number, timeZone: string | undefined): Parts {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', hourCycle: 'h23',
  });
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute! };
}

/** "UTC+01:00", "UTC-05:30", "UTC+00:00": the zone's offset at that instant. */
export function utcOffsetAt(ms: number, timeZone: string | undefined): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(ms))
    .find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{1,2})(?::?(\d{2}))?/.exec(name);
  return m ? `UTC${m[1]}${pad(Number(m[2]))}:${m[3] ?? '00'}` : 'UTC+00:00';
}

/** "Europe/Paris (UTC+01:00)". */
export function timeZoneLabel(ms: number, timeZone?: string): string {
  const zone = timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  return `${zone} (${utcOffsetAt(ms, zone)})`;
}

/** `YYYY-MM-DD HH:mm` in the zone. */
export function formatZonedMinute(ms: number, timeZone?: string): string {
  const p = partsIn(ms, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * An axis label: the time of day for ranges within a day, the date too for
 * longer ones, only the date when buckets are whole days.
 */
export function formatTick(ms: number, bucketMs: number, rangeMs: number, timeZone?: string): string {
  const p = partsIn(ms, timeZone);
  const date = `${pad(p.month)}-${pad(p.day)}`;
  const time = `${pad(p.hour)}:${pad(p.minute)}`;
  if (bucketMs >= 86_400_000) return date;
  return rangeMs > 86_400_000 ? `${date} ${time}` : time;
}

/** A tooltip's heading: the bucket as "2026-11-21 10:05 – 10:10" (the end's date only when it differs). */
export function formatBucketSpan(startMs: number, bucketMs: number, timeZone?: string): string {
  const a = formatZonedMinute(startMs, timeZone);
  const b = formatZonedMinute(startMs + bucketMs, timeZone);
  return a.slice(0, 10) === b.slice(0, 10) ? `${a} – ${b.slice(11)}` : `${a} – ${b}`;
}
