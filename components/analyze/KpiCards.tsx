import Link from 'next/link';
import type { SagaAggregate } from '@/lib/stats/types';
import { formatDuration } from '@/lib/ui/format';
import { formatCount, formatRate } from '@/lib/ui/format-stats';

interface Props {
  totals: SagaAggregate;
  current: { failed: number; stuck: number };
  /** Saga list links for the failed and stuck sagas of the range. */
  failedHref: string;
  stuckHref: string;
}

function Kpi({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <span className="kpi__label">{label}</span>
      <span className="kpi__value" data-testid={`${testId}-value`}>{value}</span>
      {hint ? <span className="kpi__hint muted">{hint}</span> : null}
    </div>
  );
}

/** The range's headline figures; failed and stuck open the saga list filtered alike. */
export function KpiCards({ totals, current, failedHref, stuckHref }: Props) {
  return (
    <div className="kpis" data-testid="kpis">
      <Kpi testId="kpi-sagas" label="Sagas started" value={formatCount(totals.count)} hint={`${formatCount(totals.finished)} finished`} />
      <Kpi testId="kpi-failure-rate" label="Failure rate" value={formatRate(totals.failureRate)} hint={`${formatCount(totals.byStatus.failed)} failed`} />
      <Kpi testId="kpi-compensation-rate" label="Compensation rate" value={formatRate(totals.compensationRate)} hint={`${formatCount(totals.byStatus.compensated + totals.byStatus.failed)} rolled back`} />
      <Kpi testId="kpi-p95" label="Duration p95" value={formatDuration(totals.p95Ms)} hint={`p50 ${formatDuration(totals.p50Ms)} · p99 ${formatDuration(totals.p99Ms)}`} />
      <Kpi testId="kpi-ttc" label="Time to consistency p95" value={formatDuration(totals.ttcP95Ms)} hint={`p50 ${formatDuration(totals.ttcP50Ms)}`} />
      <Kpi
        testId="kpi-ttr"
        label="Time to repair p95"
        value={formatDuration(totals.ttrP95Ms)}
        hint={`${formatCount(totals.repaired)} repaired by an operator${totals.repaired > 0 ? ` · p50 ${formatDuration(totals.ttrP50Ms)}` : ''}`}
      />
      <Kpi testId="kpi-retries" label="Retried steps" value={formatCount(totals.retries)} />
      <Link className={`kpi kpi--link ${current.failed > 0 ? 'kpi--alarm' : ''}`} href={failedHref} data-testid="kpi-current-failed">
        <span className="kpi__label">Failed now</span>
        <span className="kpi__value" data-testid="kpi-current-failed-value">{formatCount(current.failed)}</span>
        <span className="kpi__hint">list them →</span>
      </Link>
      <Link className={`kpi kpi--link ${current.stuck > 0 ? 'kpi--warn' : ''}`} href={stuckHref} data-testid="kpi-current-stuck">
        <span className="kpi__label">Stuck now</span>
        <span className="kpi__value" data-testid="kpi-current-stuck-value">{formatCount(current.stuck)}</span>
        <span className="kpi__hint">list them →</span>
      </Link>
    </div>
  );
}
