import Link from 'next/link';
import type { SagaAggregate } from '@/lib/stats/types';
import { formatDuration } from '@/lib/ui/format';
import { formatCount, formatRate } from '@/lib/ui/format-stats';

type Row = SagaAggregate & { name: string | null };

/** Per saga name figures; a named row opens that name's page (unnamed sagas cannot be filtered by name). */
export function NameTable({ rows, hrefFor }: { rows: Row[]; hrefFor: (name: string) => string }) {
  return (
    <div className="table-wrap">
      <table className="saga-table" data-testid="name-table">
        <thead>
          <tr>
            <th>Saga name</th>
            <th className="num">Sagas</th>
            <th className="num">Failed</th>
            <th className="num">Failure rate</th>
            <th className="num">Compensation rate</th>
            <th className="num">p50</th>
            <th className="num">p95</th>
            <th className="num">p99</th>
            <th className="num">TTC p95</th>
            <th className="num" title="Sagas repaired by an operator">Repaired</th>
            <th className="num" title="Time to repair p95: first failure → end of the last successful manual step">TTR p95</th>
            <th className="num">Retries</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name ?? ''} data-testid="name-row">
              <td className="saga-table__name">
                {r.name === null ? <span className="muted">(unnamed)</span> : <Link href={hrefFor(r.name)}>{r.name}</Link>}
              </td>
              <td className="num">{formatCount(r.count)}</td>
              <td className="num">{formatCount(r.byStatus.failed)}</td>
              <td className="num">{formatRate(r.failureRate)}</td>
              <td className="num">{formatRate(r.compensationRate)}</td>
              <td className="num">{formatDuration(r.p50Ms)}</td>
              <td className="num">{formatDuration(r.p95Ms)}</td>
              <td className="num">{formatDuration(r.p99Ms)}</td>
              <td className="num">{formatDuration(r.ttcP95Ms)}</td>
              <td className="num">{formatCount(r.repaired)}</td>
              <td className="num">{formatDuration(r.ttrP95Ms)}</td>
              <td className="num">{formatCount(r.retries)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
