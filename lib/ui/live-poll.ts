/**
 * The saga page's live updates (components/saga/LiveUpdates.tsx), the decisions
 * without the timers: whether to poll, how long to wait, what the indicator says.
 */

/** Between polls of an unchanged running saga. */
export const LIVE_POLL_MS = 2_000;
/** The longest wait after failures (the server down, the network gone). */
const MAX_BACKOFF_MS = 30_000;

export type LiveMode =
  /** Polling. */
  | 'live'
  /** The viewer paused it. */
  | 'paused'
  /** The tab is hidden: no poll until it is shown again (then one at once). */
  | 'hidden'
  /** The saga reached a terminal status: nothing more to wait for. */
  | 'ended';

export function liveMode(s: { terminal: boolean; paused: boolean; hidden: boolean }): LiveMode {
  if (s.terminal) return 'ended';
  if (s.paused) return 'paused';
  return s.hidden ? 'hidden' : 'live';
}

/** The wait before the next poll: the poll interval, doubled per consecutive failure up to MAX_BACKOFF_MS. */
export function nextPollDelayMs(failures: number): number {
  if (failures <= 0) return LIVE_POLL_MS;
  return Math.min(MAX_BACKOFF_MS, LIVE_POLL_MS * 2 ** Math.min(failures, 16));
}

/** "just now", "3 s ago", "2 min ago", "1 h ago": coarse on purpose, it is re-rendered every second. */
export function agoLabel(sinceMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - sinceMs) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

/** What the indicator says. `checkedMs`: the last answer (changed or not); `failing`: the last poll failed. */
export function liveLabel(mode: LiveMode, checkedMs: number, nowMs: number, failing: boolean): string {
  switch (mode) {
    case 'ended':
      return 'Ended · live updates stopped';
    case 'paused':
      return 'Paused';
    case 'hidden':
      return 'Live · waiting for this tab';
    case 'live':
      return failing ? `Live · cannot reach the server, updated ${agoLabel(checkedMs, nowMs)}` : `Live · updated ${agoLabel(checkedMs, nowMs)}`;
  }
}
