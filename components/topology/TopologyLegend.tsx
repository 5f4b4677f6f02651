import './topology.css';
import { HEALTH_LABEL, type Health } from '@/lib/topology/health';

const SHOWN: Health[] = ['ok', 'warn', 'bad', 'idle'];

/** Key to the service graph's colours and widths (lib/topology/health.ts). */
export function TopologyLegend() {
  return (
    <ul className="legend" aria-label="Legend" data-testid="topology-legend">
      {SHOWN.map((h) => (
        <li key={h} className={`topo-health--${h}`}>
          <span className="topo-legend__box" aria-hidden="true" />
          <span className="topo-legend__line" aria-hidden="true" /> {HEALTH_LABEL[h]}
        </li>
      ))}
      <li>
        <span className="topo-legend__width" aria-hidden="true">
          <span style={{ borderTopWidth: 1.5 }} />
          <span style={{ borderTopWidth: 4 }} />
          <span style={{ borderTopWidth: 8 }} />
        </span>
        edge width: calls (log scale)
      </li>
      <li>arrow: caller → callee · label: calls · error rate · p95 latency</li>
    </ul>
  );
}
