'use client';

import { useState } from 'react';
import Link from 'next/link';
import { barPct, sortComparison, type ComparisonMetric, type NameComparison as Comparison } from '@/lib/stats/compare-names';
import { formatDuration } from '@/lib/ui/format';
import { formatCount, formatRate } from '@/lib/ui/format-stats';

export interface NameLinks {
  /** The name's own Insights page (null for unnamed sagas: they cannot be filtered by name). */
  insights: string | null;
  /** The sagas list of this name with that anomaly, by kind. */
  anomaly: Record<string, string>;
}

const COLUMNS: { metric: ComparisonMetric; title: string; hint: string }[] = [
  { metric: 'count', title: 'Sagas', hint: 'Sagas started in the range' },
  { metric: 'failureRate', title: 'Failure rate', hint: 'Failed of the finished: ended inconsistent' },
  { metric: 'compensationRate', title: 'Compensation rate', hint: 'Compensated or failed of the finished: had to roll back' },
  { metric: 'p95Ms', title: 'p95', hint: 'Duration of finished sagas, 95th percentile' },
  { metric: 'anomalyCount', title: 'Anomalies', hint: 'Sagas flagged, by anomaly' },
];

function cellText(metric: ComparisonMetric, v: number | null): string {
  if (metric === 'count' || metric === 'anomalyCount') return formatCount(v ?? 0);
  if (metric === 'p95Ms') return formatDuration(v);
  return formatRate(v);
}

/**
 * Saga names side by side: one row per name, a bar in each figure's cell scaled
 * to the column's largest value, sortable by any column (buttons in the headers,
 * aria-sort says which).
 */
export function NameComparison({ comparison, links }: { comparison: Comparison; links: Record<string, NameLinks> }) {
  const [sortBy, setSortBy] = useState<ComparisonMetric>('failureRate');
  const rows = sortComparison(comparison.rows, sortBy);
  return (
    <div className="table-wrap">
      <table className="saga-table name-compare" data-testid="name-compare">
        <caption className="visually-hidden">Saga names compared, sorted by {COLUMNS.find((c) => c.metric === sortBy)!.title.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">Saga name</th>
            {COLUMNS.map((c) => (
              <th key={c.metric} scope="col" className={c.metric === 'anomalyCount' ? undefined : 'num'} aria-sort={sortBy === c.metric ? 'descending' : 'none'} title={c.hint}>
                <button type="button" className="th-sort" onClick={() => setSortBy(c.metric)} data-testid={`sort-${c.metric}`}>
                  {c.title}
                  <span aria-hidden="true">{sortBy === c.metric ? ' ↓' : ''}</span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const l = links[r.name ?? ''];
            return (
              <tr key={r.name ?? ''} data-testid="name-compare-row" data-name={r.name ?? ''}>
                <th scope="row" className="saga-table__name">
                  {r.name === null ? <span className="muted">(unnamed)</span> : l?.insights ? <Link href={l.insights}>{r.name}</Link> : r.name}
                </th>
                {COLUMNS.slice(0, 4).map((c) => (
                  <td key={c.metric} className="num compare-cell">
                    <span className={`compare-bar compare-bar--${c.metric}`} style={{ width: `${barPct(r[c.metric], comparison.max[c.metric])}%` }} aria-hidden="true" />
                    <span className="compare-cell__value">{cellText(c.metric, r[c.metric])}</span>
                  </td>
                ))}
                <td>
                  {r.anomalies.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="chips" aria-label={`Anomalies of ${r.name ?? 'unnamed sagas'}`}>
                      {r.anomalies.map((a) => (
                        <li key={a.kind} className={`chip chip--${a.kind}`} data-testid="compare-anomaly">
                          {l?.anomaly[a.kind] ? <Link href={l.anomaly[a.kind]!}>{a.kind.replaceAll('_', ' ')}</Link> : a.kind.replaceAll('_', ' ')}{' '}
                          <span className="chip__count">{formatCount(a.sagas)}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
