'use client';

import { useRouter } from 'next/navigation';
import { RANGE_KEYS, RANGE_LABELS, activePreset, analyzeHref, bucketChoices, withAbsoluteRange, withRelativeRange, type AnalyzeState } from '@/lib/ui/analyze-url';
import { formatZonedMinute, timeZoneLabel } from '@/lib/ui/chart-time';
import { formatUtcDateTime, localInputToIso, toDatetimeLocalValue } from '@/lib/ui/format';
import type { ResolvedRange } from '@/lib/ui/stats-view';
import { useIsClient } from '../useIsClient';

/**
 * The analyze pages' time range: relative presets, absolute bounds typed in the
 * viewer's zone (sent as ISO-8601 UTC), and the bucket. It only edits the URL;
 * the server renders what the URL says.
 */
export function TimeRangePicker({ path, state, resolved }: { path: string; state: AnalyzeState; resolved: ResolvedRange | null }) {
  const router = useRouter();
  const isClient = useIsClient();
  const go = (next: AnalyzeState) => router.push(analyzeHref(path, next), { scroll: false });
  const preset = activePreset(state);

  const fromMs = resolved ? Date.parse(resolved.fromIso) : NaN;
  const toMs = resolved ? Date.parse(resolved.toIso) : NaN;
  const inputValue = (urlIso: string | undefined, fallbackMs: number) => {
    const ms = urlIso ? Date.parse(urlIso) : fallbackMs;
    return Number.isNaN(ms) ? '' : toDatetimeLocalValue(ms);
  };

  const onApply = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const from = localInputToIso(String(form.get('from') ?? ''));
    const to = localInputToIso(String(form.get('to') ?? ''));
    if (!from) return;
    go(withAbsoluteRange(state, from, to ?? ''));
  };

  const choices = resolved ? bucketChoices(fromMs, toMs) : [];
  const when = (ms: number) => (isClient ? formatZonedMinute(ms) : formatUtcDateTime(ms));

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
          Remounted once the browser's zone is known and when the URL's range changes, so the inputs show
          local times of the view; not on an auto-refresh of the same view, which would wipe what is being typed.
        */}
        <form className="range-picker__abs" onSubmit={onApply} key={`${isClient}-${state.range}-${state.from}-${state.to}`} aria-label="Absolute time range">
          <label className="field">
            <span className="field__label">From (local)</span>
            <input type="datetime-local" name="from" required defaultValue={isClient ? inputValue(state.from, fromMs) : ''} />
          </label>
          <label className="field">
            <span className="field__label">To (local)</span>
            <input type="datetime-local" name="to" defaultValue={isClient ? inputValue(state.to, toMs) : ''} />
          </label>
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
          <span data-testid="range-timezone">{isClient ? `times in ${timeZoneLabel(toMs)}` : 'times in UTC until the page loads'}</span>
        </p>
      ) : null}
    </div>
  );
}
