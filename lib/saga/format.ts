/** Wording helpers for anomaly sentences (plain text: the UI renders them as text). */

export function quoted(name: string): string {
  return `"${name}"`;
}

/** Human duration: 850 ms, 12.5 s, 5 min, 2 h 5 min. Deterministic, locale-free. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${round(ms, 1)} ms`;
  if (ms < 60_000) return `${round(ms / 1000, 1)} s`;
  if (ms < 3_600_000) return `${round(ms / 60_000, 1)} min`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.round((ms - h * 3_600_000) / 60_000);
  return min === 0 ? `${h} h` : `${h} h ${min} min`;
}

export function formatInstant(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

export function listOf(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function round(x: number, digits: number): string {
  const f = 10 ** digits;
  return String(Math.round(x * f) / f);
}

/** One clock-skew correction as a sentence (plain text). */
export function clockSkewSentence(c: { service: string; relativeTo: string; correctionMs: number; spans: number }): string {
  const way = c.correctionMs > 0 ? 'behind' : 'ahead of';
  const n = c.spans === 1 ? '1 span' : `${c.spans} spans`;
  return `${quoted(c.service)} stamps its spans about ${formatDuration(Math.abs(c.correctionMs))} ${way} ${quoted(c.relativeTo)}: ${n} moved inside their callers before ordering.`;
}
