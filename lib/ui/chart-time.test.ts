import { describe, expect, it } from 'vitest';
import { formatBucketSpan, formatTick, formatZonedMinute, timeZoneLabel, utcOffsetAt } from './chart-time';
import { localInputToIso } from './format';

const winter = Date.UTC(2026, 0, 15, 9, 5);
const summer = Date.UTC(2026, 6, 15, 9, 5);

describe('chart times in a zone', () => {
  it('names the zone with its offset at that date (daylight saving included)', () => {
    expect(timeZoneLabel(winter, 'Europe/Paris')).toBe('Europe/Paris (UTC+01:00)');
    expect(timeZoneLabel(summer, 'Europe/Paris')).toBe('Europe/Paris (UTC+02:00)');
    expect(utcOffsetAt(winter, 'UTC')).toBe('UTC+00:00');
    expect(utcOffsetAt(winter, 'Asia/Kolkata')).toBe('UTC+05:30');
    expect(utcOffsetAt(winter, 'America/New_York')).toBe('UTC-05:00');
  });

  it('formats ticks by range length and bucket size', () => {
    expect(formatTick(winter, 60_000, 3_600_000, 'Europe/Paris')).toBe('10:05');
    expect(formatTick(winter, 3_600_000, 7 * 86_400_000, 'Europe/Paris')).toBe('01-15 10:05');
    expect(formatTick(winter, 86_400_000, 30 * 86_400_000, 'UTC')).toBe('01-15');
    expect(formatTick(Date.UTC(2026, 0, 15, 23, 30), 60_000, 3_600_000, 'Europe/Paris')).toBe('00:30');
  });

  it('spells a bucket as start – end, with the end date only when it differs', () => {
    expect(formatBucketSpan(winter, 300_000, 'UTC')).toBe('2026-01-15 09:05 – 09:10');
    expect(formatBucketSpan(Date.UTC(2026, 0, 15, 23, 0), 3_600_000, 'UTC')).toBe('2026-01-15 23:00 – 2026-01-16 00:00');
    expect(formatZonedMinute(winter, 'Asia/Tokyo')).toBe('2026-01-15 18:05');
  });

  it('turns a datetime-local value into ISO UTC', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('nonsense')).toBeNull();
    const iso = localInputToIso('2026-01-15T10:05');
    expect(iso).toBe(new Date(2026, 0, 15, 10, 5).toISOString());
  });
});
