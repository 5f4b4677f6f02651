import type { AnomalyKind } from '@/lib/saga/types';

export function anomalyLabel(kind: AnomalyKind): string {
  return kind.replaceAll('_', ' ');
}

export function AnomalyChips({ kinds }: { kinds: readonly AnomalyKind[] }) {
  if (kinds.length === 0) return null;
  return (
    <ul className="chips" aria-label="Anomalies">
      {kinds.map((k) => (
        <li key={k} className={`chip chip--${k}`} data-testid="anomaly-chip" data-kind={k}>
          {anomalyLabel(k)}
        </li>
      ))}
    </ul>
  );
}
