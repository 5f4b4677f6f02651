import Link from 'next/link';
import type { StepAggregate } from '@/lib/stats/types';
import { formatDuration } from '@/lib/ui/format';
import { formatCount, formatRate } from '@/lib/ui/format-stats';

interface Props {
  rows: StepAggregate[];
  hrefFor: (s: StepAggregate) => string;
  /** Show the saga name column (the Overview mixes names). */
  withSagaName?: boolean;
  selected?: { step: string; service: string | null; op: string | null } | null;
  testId: string;
}

const isSelected = (s: StepAggregate, sel: Props['selected']) =>
  !!sel && sel.step === s.step && (sel.service === null || sel.service === s.service) && (sel.op === null || sel.op === s.op);

/** Steps by errors, most first; a row selects the step's charts through the URL. */
export function StepTable({ rows, hrefFor, withSagaName, selected, testId }: Props) {
  return (
    <div className="table-wrap">
      <table className="saga-table" data-testid={testId}>
        <thead>
          <tr>
            {withSagaName ? <th>Saga name</th> : null}
            <th>Step</th>
            <th>Op</th>
            <th>Service</th>
            <th className="num">Runs</th>
            <th className="num">Errors</th>
            <th className="num">Error rate</th>
            <th className="num">p50</th>
            <th className="num">p95</th>
            <th className="num">p99</th>
            <th className="num">Retries</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr
              key={JSON.stringify([s.sagaName, s.service, s.step, s.op])}
              data-testid="step-row"
              className={isSelected(s, selected) ? 'row--selected' : undefined}
              aria-current={isSelected(s, selected) ? 'true' : undefined}
            >
              {withSagaName ? <td className="saga-table__name">{s.sagaName ?? <span className="muted">(unnamed)</span>}</td> : null}
              <td className="saga-table__name">
                <Link href={hrefFor(s)}>{s.step}</Link>
              </td>
              <td>{s.op}</td>
              <td>{s.service}</td>
              <td className="num">{formatCount(s.calls)}</td>
              <td className={`num ${s.errors > 0 ? 'text-failed' : ''}`}>{formatCount(s.errors)}</td>
              <td className="num">{formatRate(s.errorRate)}</td>
              <td className="num">{formatDuration(s.p50Ms)}</td>
              <td className="num">{formatDuration(s.p95Ms)}</td>
              <td className="num">{formatDuration(s.p99Ms)}</td>
              <td className="num">{formatCount(s.retries)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
