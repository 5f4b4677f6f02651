'use client';

import { useRouter } from 'next/navigation';
import { RANGE_KEYS, RANGE_LABELS, activePreset, analyzeHref, bucketChoices, withAbsoluteRange, withRelativeRange, type AnalyzeState } from '@/lib/ui/analyze-url';
import { formatDateTime, inputValueToIso, zoneLabel } from '@/lib/time/zone';
import type { ResolvedRange } from '@/lib/ui/stats-view';
import { useTimeZone } from '../time/TimeZoneProvider';
import { ZonedDateTimeField } from '../time/ZonedDateTimeField';

/**
 * The analyze pages' time range: relative presets, absolute bounds typed in the
 * zone chosen in the header (sent as ISO-8601 UTC), and the bucket. It only edits the URL;
 * the server renders what the URL says.
 */
export function TimeRangePicker({ path, state, resolved }: { path: string; state: AnalyzeState; resolved: ResolvedRange | null }) {
  const router = useRouter();
  const { zone } = useTimeZone();
  const go = (next: AnalyzeState) => router.push(analyzeHref(path, next), { scroll: false });
  const preset = activePreset(state);

  const fromMs = resolved ? Date.parse(resolved.fromIso) : NaN;
  const toMs = resolved ? Date.parse(resolved.toIso) : NaN;
  // The inputs show the URL's bounds, or those of the preset as resolved.
  const inputIso = (urlIso: string | undefined, fallbackMs: number) => urlIso ?? (Number.isNaN(fallbackMs) ? null : new Date(fallbackMs).toISOString());

  const onApply = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const from = inputValueToIso(String(form.get('from') ?? ''), zone);
    const to = inputValueToIso(String(form.get('to') ?? ''), zone);
    if (!from) return;
    go(withAbsoluteRange(state, from, to ?? ''));
  };

  const choices = resolved ? bucketChoices(fromMs, toMs) : [];
  const when = (ms: number) => formatDateTime(ms, zone, { minutes: true, noZone: true });

  return (
    <div className="range-picker" data-testid="range-picker">
      <div className="range-picker__row">
        <div className="segmented" role="group" aria-label="Relative time range">
          {RANGE_KEYS.map((r) => (
            <button key={r} type="button" aria-pressed={preset === r} onClick={() => go(withRelativeRange(state, r))}>
              {RANGE_LABELS[r]}
            </button>
          ))}
        </div>
        {/*
          Remounted when the URL's range changes, so the inputs show the view's bounds; not on an
          auto-refresh of the same view, which would wipe what is being typed.
        */}
        <form className="range-picker__abs" onSubmit={onApply} key={`${state.range}-${state.from}-${state.to}`} aria-label="Absolute time range">
          <ZonedDateTimeField name="from" label="From" iso={inputIso(state.from, fromMs)} required />
          <ZonedDateTimeField name="to" label="To" iso={inputIso(state.to, toMs)} />
          <button type="submit" className="button">
            Apply range
          </button>
        </form>
        <label className="field">
          <span className="field__label">Bucket</span>
          <select
            value={state.bucket ?? ''}
            aria-label="Bucket"
            onChange={(e) => go({ ...state, bucket: e.target.value || undefined })}
            data-testid="bucket-select"
          >
            <option value="">auto{resolved ? ` (${resolved.autoBucket})` : ''}</option>
            {choices.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
            {state.bucket && !choices.includes(state.bucket) ? <option value={state.bucket}>{state.bucket}</option> : null}
          </select>
        </label>
      </div>
      {resolved ? (
        <p className="range-picker__summary muted" data-testid="range-summary">
          <span data-testid="range-bounds">
            {when(fromMs)} → {when(toMs)}
          </span>
          {' · '}
          <span data-testid="range-bucket">
            bucket {resolved.bucket}
            {resolved.bucket === resolved.autoBucket && !state.bucket ? ' (auto)' : ''}
          </span>
          {' · '}
          <span data-testid="range-timezone">times in {zoneLabel(zone, toMs)}</span>
        </p>
      ) : null}
    </div>
  );
}
