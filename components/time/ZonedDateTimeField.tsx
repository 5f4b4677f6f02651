'use client';

import { isoToInputValue, type InputPrecision } from '@/lib/time/zone';
import { useTimeZone } from './TimeZoneProvider';

/**
 * A labelled `datetime-local` field in the chosen zone, which its label names
 * ("From (UTC)", "From (America/New_York)"). `iso` is the URL's value; the form
 * reads the typed wall time back with `inputValueToIso(value, zone)`.
 */
export function ZonedDateTimeField({
  name,
  label,
  iso,
  precision = 'minute',
  required = false,
}: {
  name: string;
  label: string;
  iso?: string | null;
  precision?: InputPrecision;
  required?: boolean;
}) {
  const { zone } = useTimeZone();
  return (
    <label className="field">
      <span className="field__label">
        {label} <span className="field__zone">({zone})</span>
      </span>
      {/* Remounted when the zone changes, so it shows the same instant in the new zone. */}
      <input
        key={zone}
        name={name}
        type="datetime-local"
        step={precision === 'second' ? 1 : undefined}
        required={required}
        defaultValue={isoToInputValue(iso, zone, precision)}
        data-zone={zone}
      />
    </label>
  );
}
