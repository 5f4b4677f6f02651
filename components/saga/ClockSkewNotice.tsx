import type { ClockSkew } from '@/lib/saga/types';
import { clockSkewSentence } from '@/lib/saga/format';

/** Says which services' clocks disagreed and that the timeline shows corrected times (the trace page shows them raw). */
export function ClockSkewNotice({ corrections }: { corrections: ClockSkew[] }) {
  if (corrections.length === 0) return null;
  return (
    <section className="section clock-skew" aria-labelledby="clock-skew-h" data-testid="clock-skew">
      <h2 id="clock-skew-h">Clock skew corrected</h2>
      <ul>
        {corrections.map((c) => (
          <li key={`${c.relativeTo}\u0000${c.service}`}>{clockSkewSentence(c)}</li>
        ))}
      </ul>
      <p className="muted">Times on this page are corrected; the trace pages show the spans as sent.</p>
    </section>
  );
}
