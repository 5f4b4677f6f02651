'use client';

/** Key to the step graph. */
export function StepGraphLegend() {
  return (
    <ul className="legend" aria-label="Step graph legend" data-testid="step-graph-legend">
      <li>
        <span className="step-legend__line" aria-hidden="true" /> next step
      </li>
      <li>
        <span className="step-legend__line step-legend__line--compensation" aria-hidden="true" /> compensations, in the order they ran
      </li>
      <li>
        <span className="step-legend__line step-legend__line--undo" aria-hidden="true" /> step → its compensation
      </li>
      <li>
        <span className="step-legend__failed" aria-hidden="true" /> failed step
      </li>
      <li>
        <span className="manual-badge">manual</span> run by an operator
      </li>
    </ul>
  );
}
