import type { StatsPoint } from '@/lib/stats/types';
import { SAGA_STATUSES, type SagaStatus } from '@/lib/saga/types';
import { TimeChart, type ChartRow } from './TimeChart';

/** The status colours of app/globals.css (SVG fills take plain colours). */
export const STATUS_COLORS: Record<SagaStatus, string> = {
  committed: '#15803d',
  compensated: '#1d4ed8',
  failed: '#c0262d',
  compensating: '#b45309',
  running: '#6b7280',
  stuck: '#7e22ce',
};
const STACK_ORDER: SagaStatus[] = ['committed', 'compensated', 'failed', 'stuck', 'compensating', 'running'];

const rowsOf = (series: StatsPoint[], pick: (p: StatsPoint) => Record<string, number | null>): ChartRow[] =>
  series.map((p) => ({ t: Date.parse(p.t), ...pick(p) }) as ChartRow);

/** The saga-level charts of the Overview and of a saga name's page. */
export function SagaCharts({ series, bucketMs, bucket, scope, withRetries }: { series: StatsPoint[]; bucketMs: number; bucket: string; scope: string; withRetries?: boolean }) {
  const order = STACK_ORDER.filter((s) => SAGA_STATUSES.includes(s));
  return (
    <div className="chart-grid">
      <TimeChart
        testId="chart-status"
        title={`Sagas started per ${bucket}, by status`}
        scope={scope}
        kind="bar"
        format="count"
        bucketMs={bucketMs}
        rows={rowsOf(series, (p) => Object.fromEntries(order.map((s) => [s, p.byStatus[s]])))}
        series={order.map((s) => ({ key: s, label: s, color: STATUS_COLORS[s], stack: 'status' }))}
      />
      <TimeChart
        testId="chart-rates"
        title="Failure and compensation rate"
        scope={scope}
        kind="line"
        format="percent"
        bucketMs={bucketMs}
        rows={rowsOf(series, (p) => ({ failureRate: p.failureRate, compensationRate: p.compensationRate }))}
        series={[
          { key: 'failureRate', label: 'failure rate', color: STATUS_COLORS.failed },
          { key: 'compensationRate', label: 'compensation rate', color: STATUS_COLORS.compensated },
        ]}
        note="Of sagas that finished (committed, compensated or failed); no point where none finished."
      />
      <TimeChart
        testId="chart-duration"
        title="Saga duration p50 / p95 / p99"
        scope={scope}
        kind="line"
        format="duration"
        bucketMs={bucketMs}
        rows={rowsOf(series, (p) => ({ p50Ms: p.p50Ms, p95Ms: p.p95Ms, p99Ms: p.p99Ms }))}
        series={[
          { key: 'p50Ms', label: 'p50', color: '#0f8a7e' },
          { key: 'p95Ms', label: 'p95', color: '#b45309' },
          { key: 'p99Ms', label: 'p99', color: '#c0262d' },
        ]}
      />
      <TimeChart
        testId="chart-ttc"
        title="Time to consistency p95"
        scope={scope}
        kind="line"
        format="duration"
        bucketMs={bucketMs}
        rows={rowsOf(series, (p) => ({ ttcP95Ms: p.ttcP95Ms }))}
        series={[{ key: 'ttcP95Ms', label: 'TTC p95', color: '#3f6ee8' }]}
        note="First failed forward step to the last successful compensation; only sagas that compensated on their own (a saga an operator repaired is in the next chart)."
      />
      <TimeChart
        testId="chart-ttr"
        title="Time to repair p95"
        scope={scope}
        kind="line"
        format="duration"
        bucketMs={bucketMs}
        rows={rowsOf(series, (p) => ({ ttrP95Ms: p.ttrP95Ms }))}
        series={[{ key: 'ttrP95Ms', label: 'TTR p95', color: '#7e22ce' }]}
        note="Sagas an operator's manual steps brought to a good end: from the saga's first failure to the end of the last successful manual step. Their repair is not in the duration or time-to-consistency charts."
      />
      {withRetries ? (
        <TimeChart
          testId="chart-retries"
          title={`Retried step runs per ${bucket}`}
          scope={scope}
          kind="bar"
          format="count"
          bucketMs={bucketMs}
          rows={rowsOf(series, (p) => ({ retries: p.retries }))}
          series={[{ key: 'retries', label: 'retries', color: '#b45309' }]}
        />
      ) : null}
    </div>
  );
}
