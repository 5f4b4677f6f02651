/**
 * Display formatting shared by pages and components. Pure and locale-independent.
 * Timestamps (which need a zone) are formatted by lib/time/zone.ts.
 */

const pad = (n: number, width = 2) => String(Math.trunc(n)).padStart(width, '0');

/** Human duration for a float millisecond value: "850 ms", "1.24 s", "2m 05s", "3h 12m", "2d 4h". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1) return `${ms === 0 ? 0 : ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(2)} s`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.floor(s);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${pad(totalS % 60)}s`;
  if (totalS < 86_400) return `${Math.floor(totalS / 3600)}h ${pad(Math.floor((totalS % 3600) / 60))}m`;
  return `${Math.floor(totalS / 86_400)}d ${Math.floor((totalS % 86_400) / 3600)}h`;
}

/** "12 s ago", "5 min ago", "3 h ago", "in 4 s" (clock skew between collector and browser). */
export function formatRelative(thenMs: number, nowMs: number): string {
  const diff = nowMs - thenMs;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 1000) return 'just now';
  if (abs < 60_000) text = `${Math.floor(abs / 1000)} s`;
  else if (abs < 3_600_000) text = `${Math.floor(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.floor(abs / 3_600_000)} h`;
  else text = `${Math.floor(abs / 86_400_000)} d`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/** Attribute values are untrusted and of any JSON type; show them as plain text. */
export function attributeValueToText(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
