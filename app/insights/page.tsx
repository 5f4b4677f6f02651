import type { Metadata } from 'next';
import Link from 'next/link';
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
import { StepCharts } from '@/components/analyze/StepCharts';
import { StepTable } from '@/components/analyze/StepTable';
import { EmptyStats, StatsLoading } from '@/components/analyze/StatsStates';
import { pathWithQuery, requirePage } from '../_lib/auth';
import { collectorHint } from '../_lib/stats-view';
import { resolveStatsView } from '@/lib/ui/stats-view';
import { sagaListHref } from '@/lib/ui/saga-list-params';
import { getNameAnomalies } from '@/lib/stats/name-anomalies-store';
import { compareNames } from '@/lib/stats/compare-names';
import { NameComparison, type NameLinks } from '@/components/analyze/NameComparison';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Saga insights' };

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * Without a name: the saga names compared side by side (the Overview already shows
 * the totals over time). With `name=`: that name's figures over time, its steps,
 * and one step's charts (`step=`, `service=`, `op=`).
 */
export default async function InsightsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('read', pathWithQuery('/insights', raw));
  const nowMs = Date.now();
  const { state, parsed, resolved } = resolveStatsView(raw, nowMs);
  const time = timeOf(state);
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href={analyzeHref('/', time)}>Overview</Link>
        <span aria-hidden="true"> / </span>
        <span>{state.name ?? 'all saga names'}</span>
      </nav>
      <div className="page-head">
        <h1 data-testid="insights-title">{state.name !== undefined ? <>Saga “{state.name}”</> : 'Saga names compared'}</h1>
        <div className="page-head__tools">
          <AutoRefreshToggle enabled={state.refresh !== undefined} seconds={REFRESH_SECONDS} />
        </div>
      </div>
      <TimeRangePicker path="/insights" state={state} resolved={resolved} />
      {!parsed.ok || !resolved ? (
        <p className="alert alert--error" role="alert" data-testid="stats-error">
          Cannot show this view: {parsed.ok ? 'bad range' : parsed.error}
        </p>
      ) : (
        <Suspense key={JSON.stringify(state)} fallback={<StatsLoading what={state.name ? `the figures of “${state.name}”` : 'saga figures'} fromIso={resolved.fromIso} toIso={resolved.toIso} />}>
          {state.name === undefined && state.step === undefined ? (
            <CompareBody query={parsed.value} state={state} nowMs={nowMs} />
          ) : (
            <InsightsBody query={parsed.value} state={state} nowMs={nowMs} />
          )}
        </Suspense>
      )}
    </div>
  );
}

/** Every saga name of the range in one table: volume, failure and compensation rates, p95, anomalies. */
async function CompareBody({ query, state, nowMs }: { query: StatsQuery; state: AnalyzeState; nowMs: number }) {
  const db = await getDb();
  const [stats, anomalies] = await Promise.all([getStats(db, query, nowMs), getNameAnomalies(db, query.range.fromMs, query.range.toMs, nowMs)]);
  const time = timeOf(state);
  if (stats.totals.count === 0) {
    return (
      <EmptyStats
        fromIso={stats.from}
        toIso={stats.to}
        name={null}
        hint={collectorHint()}
        widerHref={state.range === '7d' || state.range === '30d' ? null : analyzeHref('/insights', withRelativeRange(time, '7d'))}
      />
    );
  }
  const comparison = compareNames(stats.byName, anomalies);
  const to = new Date(Date.parse(stats.to) - 1).toISOString();
  const links: Record<string, NameLinks> = {};
  for (const r of comparison.rows) {
    links[r.name ?? ''] = {
      insights: r.name === null ? null : analyzeHref('/insights', { ...time, name: r.name }),
      // Unnamed sagas cannot be filtered by name: no link that would list other names' sagas too.
      anomaly: r.name === null ? {} : Object.fromEntries(r.anomalies.map((a) => [a.kind, sagaListHref({ anomaly: a.kind, name: r.name!, from: stats.from, to })])),
    };
  }
  return (
    <section className="section" aria-labelledby="names-h">
      <div className="section__head">
        <h2 id="names-h">Saga names</h2>
        <span className="muted">
          {comparison.rows.length.toLocaleString('en-US')} name{comparison.rows.length === 1 ? '' : 's'}, {stats.totals.count.toLocaleString('en-US')} sagas · choose a name for its
          figures over time and its steps · totals over time are on the <Link href={analyzeHref('/', time)}>Overview</Link>
        </span>
      </div>
      <NameComparison comparison={comparison} links={links} />
    </section>
  );
}

async function InsightsBody({ query, state, nowMs }: { query: StatsQuery; state: AnalyzeState; nowMs: number }) {
  const stats = await getStats(await getDb(), query, nowMs);
  const time = timeOf(state);
  const base: AnalyzeState = { ...time, name: state.name };
  if (stats.totals.count === 0 && stats.steps.length === 0) {
    return (
      <EmptyStats
        fromIso={stats.from}
        toIso={stats.to}
        name={query.name}
        hint={collectorHint()}
        widerHref={state.range === '7d' || state.range === '30d' ? null : analyzeHref('/insights', withRelativeRange(base, '7d'))}
      />
    );
  }
  const span = { fromIso: stats.from, toIso: stats.to, name: query.name };
  const scope = query.name ?? 'All sagas';
  const stepHref = (s: StepAggregate) => analyzeHref('/insights', { ...base, step: s.step, service: s.service, op: s.op });
  const sel = stats.step;
  return (
    <>
      <KpiCards
        totals={stats.totals}
        current={stats.current}
        failedHref={sagaListFor({ status: 'failed', ...span })}
        stuckHref={sagaListFor({ status: 'stuck', ...span })}
      />
      <SagaCharts series={stats.series} bucketMs={stats.bucketMs} bucket={stats.bucket} scope={scope} withRetries />
      <section className="section" aria-labelledby="steps">
        <div className="section__head">
          <h2 id="steps">Steps</h2>
          <span className="muted">most errors first; choose a step for its charts</span>
        </div>
        {stats.steps.length > 0 ? (
          <StepTable rows={stats.steps} hrefFor={stepHref} withSagaName={query.name === null} selected={sel} testId="steps-table" />
        ) : (
          <p className="muted">No step runs recorded in this range.</p>
        )}
      </section>
      {sel ? (
        <section className="section" aria-labelledby="step-charts" data-testid="step-section">
          <div className="section__head">
            <h2 id="step-charts">
              Step “{sel.step}”{sel.op ? <> · {sel.op}</> : null}
              {sel.service ? <> · on {sel.service}</> : null}
            </h2>
            <Link href={analyzeHref('/insights', base)} data-testid="clear-step">
              Close step
            </Link>
          </div>
          {sel.series.some((p) => p.calls > 0) ? (
            <StepCharts
              series={sel.series}
              bucketMs={stats.bucketMs}
              bucket={stats.bucket}
              scope={`${query.name ?? 'all sagas'} · ${sel.step}${sel.op ? ` (${sel.op})` : ''}${sel.service ? ` on ${sel.service}` : ''}`}
            />
          ) : (
            <p className="muted" data-testid="step-empty">This step did not run in the range.</p>
          )}
        </section>
      ) : null}
    </>
  );
}
