import type { Metadata } from 'next';
import { Suspense } from 'react';
import { getDb, getStats } from '@/lib/db';
import type { StatsQuery } from '@/lib/stats/query';
import type { StepAggregate } from '@/lib/stats/types';
import { REFRESH_SECONDS } from '@/lib/ui/saga-list-params';
import { analyzeHref, sagaListFor, timeOf, withRelativeRange, type AnalyzeState } from '@/lib/ui/analyze-url';
import { AutoRefreshToggle } from '@/components/AutoRefreshToggle';
import { TimeRangePicker } from '@/components/analyze/TimeRangePicker';
import { KpiCards } from '@/components/analyze/KpiCards';
import { SagaCharts } from '@/components/analyze/SagaCharts';
import { NameTable } from '@/components/analyze/NameTable';
import { StepTable } from '@/components/analyze/StepTable';
import { EmptyStats, StatsLoading } from '@/components/analyze/StatsStates';
import { pathWithQuery, requirePage } from './_lib/auth';
import { collectorHint } from './_lib/stats-view';
import { resolveStatsView } from '@/lib/ui/stats-view';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Overview' };

type SearchParams = Record<string, string | string[] | undefined>;

const TOP_STEPS = 10;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('read', pathWithQuery('/', raw));
  const nowMs = Date.now();
  const { state, parsed, resolved } = resolveStatsView(raw, nowMs);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Overview</h1>
        <div className="page-head__tools">
          <AutoRefreshToggle enabled={state.refresh !== undefined} seconds={REFRESH_SECONDS} />
        </div>
      </div>
      <TimeRangePicker path="/" state={state} resolved={resolved} />
      {!parsed.ok || !resolved ? (
        <p className="alert alert--error" role="alert" data-testid="stats-error">
          Cannot show this view: {parsed.ok ? 'bad range' : parsed.error}
        </p>
      ) : (
        // Keyed by the URL: a new view shows the fallback, an auto-refresh of the same view keeps the old one.
        <Suspense key={JSON.stringify(state)} fallback={<StatsLoading what="saga figures" fromIso={resolved.fromIso} toIso={resolved.toIso} />}>
          <OverviewBody query={parsed.value} state={state} nowMs={nowMs} />
        </Suspense>
      )}
    </div>
  );
}

async function OverviewBody({ query, state, nowMs }: { query: StatsQuery; state: AnalyzeState; nowMs: number }) {
  const stats = await getStats(await getDb(), query, nowMs);
  const time = timeOf(state);
  if (stats.totals.count === 0) {
    return (
      <EmptyStats
        fromIso={stats.from}
        toIso={stats.to}
        name={null}
        hint={collectorHint()}
        widerHref={state.range === '7d' || state.range === '30d' ? null : analyzeHref('/', withRelativeRange(time, '7d'))}
      />
    );
  }
  const span = { fromIso: stats.from, toIso: stats.to };
  const failing = stats.steps.filter((s) => s.errors > 0).slice(0, TOP_STEPS);
  const stepHref = (s: StepAggregate) =>
    analyzeHref('/insights', { ...time, name: s.sagaName ?? undefined, step: s.step, service: s.service, op: s.op });
  return (
    <>
      <KpiCards
        totals={stats.totals}
        current={stats.current}
        failedHref={sagaListFor({ status: 'failed', ...span })}
        stuckHref={sagaListFor({ status: 'stuck', ...span })}
      />
      <SagaCharts series={stats.series} bucketMs={stats.bucketMs} bucket={stats.bucket} scope="All sagas" />
      <section className="section" aria-labelledby="by-name">
        <div className="section__head">
          <h2 id="by-name">By saga name</h2>
          <span className="muted">{stats.byName.length} name{stats.byName.length === 1 ? '' : 's'}, most sagas first</span>
        </div>
        <NameTable rows={stats.byName} hrefFor={(name) => analyzeHref('/insights', { ...time, name })} />
      </section>
      <section className="section" aria-labelledby="top-failing">
        <div className="section__head">
          <h2 id="top-failing">Top failing steps</h2>
          <span className="muted">runs with an error status, most first</span>
        </div>
        {failing.length > 0 ? (
          <StepTable rows={failing} hrefFor={stepHref} withSagaName testId="failing-steps" />
        ) : (
          <p className="muted" data-testid="no-failing-steps">No step run failed in this range.</p>
        )}
      </section>
      <p className="muted small-print">
        Percentiles come from bucketed histograms and are within {(stats.errorBound * 100).toFixed(1)} % of the exact value. See docs/analyze.md.
      </p>
    </>
  );
}
