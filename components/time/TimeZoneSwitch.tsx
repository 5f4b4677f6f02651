'use client';

import { useIsClient } from '../useIsClient';
import { browserTimeZone, useTimeZone } from './TimeZoneProvider';

/** The header's UTC / Local switch: every time on every page, and every time filter, follows it. */
export function TimeZoneSwitch() {
  const { mode, zone, setMode } = useTimeZone();
  const isClient = useIsClient();
  // The browser's zone is only known in the browser; the server's HTML names it once chosen.
  const localZone = mode === 'local' ? zone : isClient ? browserTimeZone() : null;
  return (
    <div className="tz-switch" data-testid="tz-switch">
      <span className="tz-switch__label" id="tz-switch-label">
        Times
      </span>
      <div
        className="segmented segmented--dark"
        role="group"
        aria-labelledby="tz-switch-label"
        title="The zone of every time shown and of every time you type in a filter. UTC is the default; links always carry UTC."
      >
        <button type="button" aria-pressed={mode === 'utc'} onClick={() => setMode('utc')} title="Coordinated Universal Time (the default)">
          UTC
        </button>
        <button
          type="button"
          aria-pressed={mode === 'local'}
          onClick={() => setMode('local')}
          title={localZone ? `This browser’s zone: ${localZone}` : 'This browser’s zone'}
        >
          Local
        </button>
      </div>
      <span className="tz-switch__zone" data-testid="tz-zone">
        {mode === 'utc' ? 'UTC (default)' : zone}
      </span>
    </div>
  );
}
