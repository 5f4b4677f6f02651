import { UndoIcon } from '../UndoIcon';

/** Key to the bar styles; `span` only appears on trace timelines. */
export function TimelineLegend({ kinds }: { kinds: 'steps' | 'spans' }) {
  return (
    <ul className="legend" aria-label="Legend" data-testid="timeline-legend">
      {kinds === 'steps' ? (
        <>
          <li>
            <span className="legend__swatch bar bar--forward bar--ok" aria-hidden="true" /> forward op
          </li>
          <li>
            <span className="legend__swatch bar bar--forward bar--ok bar--retry" aria-hidden="true" /> retry (#n = attempt)
          </li>
        </>
      ) : (
        <li>
          <span className="legend__swatch bar bar--span bar--ok" aria-hidden="true" /> span
        </li>
      )}
      <li>
        <span className="legend__swatch bar bar--compensation bar--ok" aria-hidden="true" /> <UndoIcon /> compensation
      </li>
      <li>
        <span className="legend__swatch bar bar--forward bar--failed" aria-hidden="true" /> ✕ failed
      </li>
      <li>
        <span className="legend__swatch bar bar--compensation bar--ok bar--manual" aria-hidden="true" /> <span className="manual-badge">repair</span> run by an
        operator from sagascope
      </li>
      <li>
        <span className="legend__swatch timeline__break timeline__break--legend" aria-hidden="true">⋯</span> idle time collapsed
        (not to scale)
      </li>
      {kinds === 'steps' ? (
        <>
          <li>
            <span className="legend__swatch bar bar--forward bar--skipped" aria-hidden="true" /> skipped
          </li>
          <li>
            <span className="legend__swatch bar bar--forward bar--rejected" aria-hidden="true" /> ⊘ rejected
          </li>
          <li>
            <span className="legend__swatch bar bar--forward bar--running" aria-hidden="true" /> running
          </li>
        </>
      ) : null}
    </ul>
  );
}
