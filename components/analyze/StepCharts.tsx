import type { StepPoint } from '@/lib/stats/types';
import { TimeChart, type ChartRow } from './TimeChart';

/** One step's charts on a saga name's page (`step=` in the URL). */
export function StepCharts({ series, bucketMs, bucket, scope }: { series: StepPoint[]; bucketMs: number; bucket: string; scope: string }) {
  const rows = (pick: (p: StepPoint) => Record<string, number | null>): ChartRow[] => series.map((p) => ({ t: Date.parse(p.t), ...pick(p) }) as ChartRow);
  return (
    <div className="chart-grid">
      <TimeChart
        testId="step-chart-latency"
        title="Step latency p50 / p95 / p99"
        scope={scope}
        kind="line"
        format="duration"
        bucketMs={bucketMs}
        rows={rows((p) => ({ p50Ms: p.p50Ms, p95Ms: p.p95Ms, p99Ms: p.p99Ms }))}
        series={[
          { key: 'p50Ms', label: 'p50', color: '#0f8a7e' },
          { key: 'p95Ms', label: 'p95', color: '#b45309' },
          { key: 'p99Ms', label: 'p99', color: '#c0262d' },
        ]}
      />
      <TimeChart
        testId="step-chart-errors"
        title="Step error rate"
        scope={scope}
        kind="line"
        format="percent"
        bucketMs={bucketMs}
        rows={rows((p) => ({ errorRate: p.errorRate }))}
        series={[{ key: 'errorRate', label: 'error rate', color: '#c0262d' }]}
        note="Failed runs / runs started in the bucket; no point where the step did not run."
      />
      <TimeChart
        testId="step-chart-calls"
        title={`Step runs and retries per ${bucket}`}
        scope={scope}
        kind="bar"
        format="count"
        bucketMs={bucketMs}
        rows={rows((p) => ({ ok: p.calls - p.errors, errors: p.errors, retries: p.retries }))}
        series={[
          { key: 'ok', label: 'runs without error', color: '#0f8a7e', stack: 'runs' },
          { key: 'errors', label: 'failed', color: '#c0262d', stack: 'runs' },
          { key: 'retries', label: 'retries (attempt > 1)', color: '#b45309' },
        ]}
      />
    </div>
  );
}
