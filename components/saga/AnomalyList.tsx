'use client';

import type { AnomalyJson } from '@/lib/api/types';
import type { TimelineItem } from '@/lib/ui/timeline-columns';
import { anomalyLabel } from '../AnomalyChips';

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Each anomaly with its sentence; its evidence spans select the step they point at. */
export function AnomalyList({
  anomalies,
  itemOf,
  selectedId,
  onSelect,
  onFix = null,
}: {
  anomalies: readonly AnomalyJson[];
  /** The timeline row of a span id, if it is one of the steps. */
  itemOf: (spanId: string) => TimelineItem | undefined;
  selectedId: string | null;
  onSelect: (spanId: string) => void;
  /** Opens the preview of an anomaly's suggested repair (operators); null: the viewer may not act. */
  onFix?: ((a: NonNullable<AnomalyJson['suggestedAction']>) => void) | null;
}) {
  if (anomalies.length === 0) {
    return (
      <p className="muted" data-testid="no-anomalies">
        No anomalies: the steps follow the rules of compensation.
      </p>
    );
  }
  const sorted = [...anomalies].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  return (
    <ul className="anomalies">
      {sorted.map((a, i) => (
        <li key={`${a.kind}-${i}`} className={`anomaly anomaly--${a.severity}`} data-testid="anomaly" data-kind={a.kind} data-severity={a.severity}>
          <div className="anomaly__head">
            <span className={`severity severity--${a.severity}`}>{a.severity}</span>
            <strong className="anomaly__kind">{anomalyLabel(a.kind)}</strong>
            {a.step ? <span className="anomaly__step">step {a.step}</span> : null}
          </div>
          <p className="anomaly__message">{a.message}</p>
          <div className="anomaly__repair" data-testid="anomaly-repair">
            <span className="muted">{a.suggestedAction ? 'Repair: ' : 'No repair action: '}</span>
            <span>{a.suggestion}</span>
            {a.suggestedAction && onFix ? (
              <button type="button" className="button button--small" onClick={() => onFix(a.suggestedAction!)} data-testid="anomaly-fix">
                Fix…
              </button>
            ) : null}
          </div>
          {a.spanIds.length > 0 ? (
            <div className="anomaly__evidence">
              <span className="muted">Evidence:</span>
              {a.spanIds.slice(0, 50).map((id) => {
                const item = itemOf(id);
                return (
                  <button
                    key={id}
                    type="button"
                    className="evidence"
                    aria-pressed={selectedId === id}
                    onClick={() => onSelect(id)}
                    title={item ? `${item.label} ${item.op ?? ''} attempt ${item.attempt} (${item.service})` : 'span outside the step list'}
                    data-testid="anomaly-evidence"
                    data-span-id={id}
                  >
                    {item ? (
                      <>
                        {item.label} <span className="muted">{item.op}{item.attempt > 1 ? ` #${item.attempt}` : ''}</span>{' '}
                      </>
                    ) : null}
                    <code>{id}</code>
                  </button>
                );
              })}
              {a.spanIds.length > 50 ? <span className="muted">and {a.spanIds.length - 50} more</span> : null}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
