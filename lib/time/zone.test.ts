import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  UTC_PREF,
  formatBucketSpan,
  formatDateTime,
  formatOffset,
  formatTick,
  inputValueToIso,
  inputValueToIsoThrough,
  inputValueToMs,
  isTimeZone,
  isoToInputValue,
  offsetMinutes,
  parseInstant,
  parseZoneCookie,
  toInputValue,
  zoneCookieValue,
  zoneLabel,
  zoneSuffix,
} from './zone';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);

describe('the zone cookie', () => {
  it('reads utc and local:<zone>, and falls back to UTC on anything else', () => {
    expect(parseZoneCookie(undefined)).toEqual(UTC_PREF);
    expect(parseZoneCookie('utc')).toEqual(UTC_PREF);
    expect(parseZoneCookie('local:America/New_York')).toEqual({ mode: 'local', zone: NY });
    expect(parseZoneCookie('local%3AEurope%2FParis')).toEqual({ mode: 'local', zone: 'Europe/Paris' });
    expect(parseZoneCookie('local:Mars/Olympus_Mons')).toEqual(UTC_PREF);
    expect(parseZoneCookie('local:')).toEqual(UTC_PREF);
    expect(parseZoneCookie('local:UTC;x=<script>')).toEqual(UTC_PREF);
    expect(parseZoneCookie('%E0%A4%A')).toEqual(UTC_PREF);
    expect(parseZoneCookie('LOCAL')).toEqual(UTC_PREF);
  });

  it('writes what it reads', () => {
    for (const pref of [UTC_PREF, { mode: 'local', zone: NY } as const, { mode: 'local', zone: 'Asia/Kolkata' } as const]) {
      expect(parseZoneCookie(zoneCookieValue(pref))).toEqual(pref);
    }
  });

  it('knows zones by name only', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone(NY)).toBe(true);
    expect(isTimeZone('Not/A_Zone')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone('../etc/passwd')).toBe(false);
  });
});

describe('formatDateTime: every time says its zone', () => {
  const t = at('2026-12-07T01:54:03.123Z');
  it('in UTC and in a zone with an offset', () => {
    expect(formatDateTime(t, 'UTC')).toBe('2026-12-07 01:54:03 UTC');
    expect(formatDateTime(t, 'UTC', { millis: true })).toBe('2026-12-07 01:54:03.123 UTC');
    // The example: a New York browser sees this row at 20:54 the day before.
    expect(formatDateTime(t, NY, { millis: true })).toBe('2026-12-06 20:54:03.123 UTC-05:00');
    expect(formatDateTime(t, 'Asia/Kolkata', { minutes: true })).toBe('2026-12-07 07:24 UTC+05:30');
    expect(formatDateTime(t, 'Pacific/Chatham')).toBe('2026-12-07 15:39:03 UTC+13:45');
    expect(formatDateTime(t, NY, { noZone: true })).toBe('2026-12-06 20:54:03');
  });

  it('shows nothing made up for what is not a time', () => {
    expect(formatDateTime(Number.NaN, 'UTC')).toBe('—');
    expect(formatDateTime(Number.POSITIVE_INFINITY, NY)).toBe('—');
  });

  it('names the offset in force at that instant, across daylight saving', () => {
    expect(zoneSuffix(at('2026-07-01T12:00:00Z'), NY)).toBe('UTC-04:00');
    expect(zoneSuffix(at('2026-01-01T12:00:00Z'), NY)).toBe('UTC-05:00');
    // New York springs forward at 07:00 UTC on 2026-03-08 and falls back at 06:00 UTC on 2026-11-01.
    expect(formatDateTime(at('2026-03-08T06:59:59Z'), NY)).toBe('2026-03-08 01:59:59 UTC-05:00');
    expect(formatDateTime(at('2026-03-08T07:00:00Z'), NY)).toBe('2026-03-08 03:00:00 UTC-04:00');
    expect(formatDateTime(at('2026-11-01T05:30:00Z'), NY)).toBe('2026-11-01 01:30:00 UTC-04:00');
    expect(formatDateTime(at('2026-11-01T06:30:00Z'), NY)).toBe('2026-11-01 01:30:00 UTC-05:00');
    expect(offsetMinutes(at('2026-10-25T00:59:59Z'), 'Europe/Paris')).toBe(120);
    expect(offsetMinutes(at('2026-10-25T01:00:00Z'), 'Europe/Paris')).toBe(60);
    expect(formatOffset(-150)).toBe('UTC-02:30');
    expect(zoneLabel(NY, at('2026-01-15T00:00:00Z'))).toBe('America/New_York (UTC-05:00)');
    expect(zoneLabel('UTC', 0)).toBe('UTC');
  });
});

describe('filter inputs: typed in the chosen zone, sent as ISO UTC', () => {
  it('reads a datetime-local value in the zone', () => {
    expect(inputValueToIso('2026-12-06T20:54', NY)).toBe('2026-12-07T01:54:00.000Z');
    expect(inputValueToIso('2026-12-06T20:54:03', 'UTC')).toBe('2026-12-06T20:54:03.000Z');
    expect(inputValueToIso('2026-07-01T10:00', 'Europe/Paris')).toBe('2026-07-01T08:00:00.000Z');
    expect(inputValueToIso('', NY)).toBeNull();
    expect(inputValueToIso('nonsense', NY)).toBeNull();
    expect(inputValueToIso('2026-02-29T10:00', NY)).toBeNull();
    expect(inputValueToIso('2026-13-01T10:00', NY)).toBeNull();
    expect(inputValueToIso('2026-01-01T24:00', NY)).toBeNull();
    expect(inputValueToIso('2028-02-29T10:00', 'UTC')).toBe('2028-02-29T10:00:00.000Z');
  });

  it('a wall time skipped by spring-forward moves forward by the gap', () => {
    // 02:30 does not exist in New York on 2026-03-08: it is read as 03:30 EDT.
    expect(inputValueToIso('2026-03-08T02:30', NY)).toBe('2026-03-08T07:30:00.000Z');
    expect(inputValueToIso('2026-03-08T01:59:59', NY)).toBe('2026-03-08T06:59:59.000Z');
    expect(inputValueToIso('2026-03-08T03:00', NY)).toBe('2026-03-08T07:00:00.000Z');
    expect(inputValueToIso('2026-03-29T02:15', 'Europe/Paris')).toBe('2026-03-29T01:15:00.000Z');
  });

  it('a wall time repeated by fall-back is its first occurrence', () => {
    expect(inputValueToIso('2026-11-01T01:30', NY)).toBe('2026-11-01T05:30:00.000Z');
    expect(inputValueToIso('2026-11-01T00:59:59', NY)).toBe('2026-11-01T04:59:59.000Z');
    expect(inputValueToIso('2026-11-01T02:00', NY)).toBe('2026-11-01T07:00:00.000Z');
    // Lord Howe Island turns its clocks back by half an hour.
    expect(inputValueToIso('2026-04-05T01:45', 'Australia/Lord_Howe')).toBe('2026-04-04T14:45:00.000Z');
  });

  it('an upper bound runs through the minute or second typed, and reads back as typed', () => {
    expect(inputValueToIsoThrough('2026-12-06T20:54', NY)).toBe('2026-12-07T01:54:59.999Z');
    expect(inputValueToIsoThrough('2026-12-06T20:54:03', NY)).toBe('2026-12-07T01:54:03.999Z');
    expect(inputValueToIsoThrough('2026-12-06T20:54:03.5', 'UTC')).toBe('2026-12-06T20:54:03.500Z');
    expect(inputValueToIsoThrough('x', 'UTC')).toBeNull();
    expect(isoToInputValue(inputValueToIsoThrough('2026-12-06T20:54', NY), NY)).toBe('2026-12-06T20:54');
    expect(isoToInputValue(inputValueToIsoThrough('2026-12-06T20:54:03', NY), NY, 'second')).toBe('2026-12-06T20:54:03');
    // The hour New York repeats: the bound is the end of its first occurrence's minute.
    expect(inputValueToIsoThrough('2026-11-01T01:30', NY)).toBe('2026-11-01T05:30:59.999Z');
  });

  it('in a field with a one-second step, a time without seconds is second :00, not the minute', () => {
    // Chromium gives "20:54" for 20:54:00 in such a field.
    expect(inputValueToIsoThrough('2026-12-06T20:54', NY, 'second')).toBe('2026-12-07T01:54:00.999Z');
    expect(inputValueToIsoThrough('2026-12-06T20:54:03', NY, 'second')).toBe('2026-12-07T01:54:03.999Z');
    expect(isoToInputValue(inputValueToIsoThrough('2026-12-06T20:54', NY, 'second'), NY, 'second')).toBe('2026-12-06T20:54:00');
  });

  it('URL times become input values in the zone, cut to the input step', () => {
    const iso = '2026-12-07T01:54:03.123Z';
    expect(isoToInputValue(iso, NY)).toBe('2026-12-06T20:54');
    expect(isoToInputValue(iso, NY, 'second')).toBe('2026-12-06T20:54:03');
    expect(isoToInputValue(iso, 'UTC', 'second')).toBe('2026-12-07T01:54:03');
    expect(isoToInputValue(null, NY)).toBe('');
    expect(isoToInputValue('yesterday', NY)).toBe('');
  });

  it('a row at T is inside a range typed around the time shown for it', () => {
    const t = at('2026-12-07T01:54:03.123Z');
    for (const zone of ['UTC', NY, 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      const shown = toInputValue(t, zone, 'minute');
      const from = inputValueToMs(shown, zone)!;
      const to = from + 60_000;
      expect(from <= t && t < to, `${zone}: ${shown}`).toBe(true);
    }
  });

  const ZONES = ['UTC', NY, 'Europe/Paris', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Casablanca'];
  it('round trip: instant → shown wall time → instant (the first one when the wall time repeats)', () => {
    fc.assert(
      fc.property(fc.integer({ min: at('1990-01-01T00:00:00Z'), max: at('2060-01-01T00:00:00Z') }), fc.constantFrom(...ZONES), (ms, zone) => {
        const whole = ms - (ms % 1000);
        const shown = toInputValue(ms, zone, 'second');
        const back = inputValueToMs(shown, zone)!;
        expect(toInputValue(back, zone, 'second')).toBe(shown);
        if (back !== whole) {
          // Only a repeated wall time may come back as another instant, and then as the earlier one.
          expect(back).toBeLessThan(whole);
          expect(offsetMinutes(back, zone)).not.toBe(offsetMinutes(whole, zone));
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round trip minute by minute around every transition of a year', () => {
    for (const zone of [NY, 'Europe/Paris', 'Australia/Lord_Howe']) {
      let transitions = 0;
      for (let h = at('2026-01-01T00:00:00Z'); h < at('2027-01-01T00:00:00Z'); h += 3_600_000) {
        if (offsetMinutes(h, zone) === offsetMinutes(h + 3_600_000, zone)) continue;
        transitions++;
        for (let ms = h - 3 * 3_600_000; ms < h + 4 * 3_600_000; ms += 60_000) {
          const shown = toInputValue(ms, zone, 'minute');
          expect(toInputValue(inputValueToMs(shown, zone)!, zone, 'minute')).toBe(shown);
        }
      }
      expect(transitions, zone).toBe(2);
    }
  });
});

describe('parseInstant: what URLs and the API accept', () => {
  it('a zone designator is honoured; none means UTC', () => {
    expect(parseInstant('2026-12-07T01:54:03.123Z')).toBe(at('2026-12-07T01:54:03.123Z'));
    expect(parseInstant('2026-12-06T20:54:03-05:00')).toBe(at('2026-12-07T01:54:03Z'));
    expect(parseInstant('2026-12-07T01:54')).toBe(at('2026-12-07T01:54:00Z'));
    expect(parseInstant('2026-12-07T01:54:03.5')).toBe(at('2026-12-07T01:54:03.500Z'));
    expect(parseInstant('2026-12-07')).toBe(at('2026-12-07T00:00:00Z'));
  });

  it('refuses what is not an ISO-8601 time', () => {
    for (const s of ['', 'yesterday', '12/07/2026', 'Mon, 07 Dec 2026 01:54:03 GMT', '2026-12-07T01', '2026-02-30T00:00', '1765072443123']) {
      expect(parseInstant(s), s).toBeNull();
    }
  });
});

describe('chart times', () => {
  const winter = Date.UTC(2026, 0, 15, 9, 5);
  it('ticks by range length and bucket size, in the zone', () => {
    expect(formatTick(winter, 60_000, 3_600_000, 'Europe/Paris')).toBe('10:05');
    expect(formatTick(winter, 3_600_000, 7 * 86_400_000, 'Europe/Paris')).toBe('01-15 10:05');
    expect(formatTick(winter, 86_400_000, 30 * 86_400_000, 'UTC')).toBe('01-15');
    expect(formatTick(Date.UTC(2026, 0, 15, 23, 30), 60_000, 3_600_000, 'Europe/Paris')).toBe('00:30');
  });

  it('a bucket as start – end with its zone, the end date only when it differs', () => {
    expect(formatBucketSpan(winter, 300_000, 'UTC')).toBe('2026-01-15 09:05 – 09:10 UTC');
    expect(formatBucketSpan(Date.UTC(2026, 0, 15, 23, 0), 3_600_000, 'UTC')).toBe('2026-01-15 23:00 – 2026-01-16 00:00 UTC');
    expect(formatBucketSpan(winter, 300_000, 'Asia/Tokyo')).toBe('2026-01-15 18:05 – 18:10 UTC+09:00');
  });
});
