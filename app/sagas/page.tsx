import type { Metadata } from 'next';
import Link from 'next/link';
import { parseSagaListQuery, type Parsed, type SagaListQuery } from '@/lib/api/query';
import { getDb, listSagas } from '@/lib/db';
import { describeFilters, resolveListPageParams, sagaListHref, REFRESH_SECONDS } from '@/lib/ui/saga-list-params';
import { formatDateTime } from '@/lib/time/zone';
import { AutoRefreshToggle } from '@/components/AutoRefreshToggle';
import { SagaFilters, type FilterValues } from '@/components/SagaFilters';
import { SagaTable } from '@/components/SagaTable';
import { BatchActions } from '@/components/actions/BatchActions';
import { roleCan } from '@/lib/auth/roles';
import { currentReadOnly, pathWithQuery, requirePage } from '../_lib/auth';
import { currentZonePref } from '../_lib/time-zone';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Sagas' };

type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;

export default async function SagasPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  const principal = await requirePage('read', pathWithQuery('/sagas', raw));
  const nowMs = Date.now();
  const view = resolveListPageParams(raw, nowMs);
  const parsed: Parsed<SagaListQuery> = view.error ? { ok: false, error: view.error } : parseSagaListQuery(view.apiParams);
  const list = parsed.ok ? await listSagas(await getDb(), parsed.value, nowMs) : null;
  const canAct = principal.kind !== 'anonymous' && roleCan(principal.role, 'act') && !(await currentReadOnly()).active;
  // The batch acts on the list's filter (a time preset as resolved for this render), never on its paging.
  const { zone } = await currentZonePref();
  const formatTime = (ms: number) => formatDateTime(ms, zone);
  const batchFilter = Object.fromEntries(Object.entries(view.apiParams).filter(([k]) => k !== 'limit' && k !== 'cursor'));

  const values: FilterValues = {
    status: first(raw.status),
    anomaly: first(raw.anomaly),
    name: first(raw.name),
    service: first(raw.service),
    q: first(raw.q),
    from: first(raw.from),
    to: first(raw.to),
    range: view.range ?? undefined,
    limit: first(raw.limit),
  };
  // Links keep the URL as the user wrote it (a preset stays a preset, not a fixed `from`).
  const current: Record<string, string | undefined> = {
    ...values,
    refresh: first(raw.refresh),
    cursor: first(raw.cursor),
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Sagas</h1>
        <div className="page-head__tools">
          {canAct && parsed.ok ? (
            <BatchActions filter={batchFilter} description={joinWithAnd(describeFilters(parsed.value, view.range, formatTime)) || 'any saga'} />
          ) : null}
          <AutoRefreshToggle enabled={view.refresh !== null} seconds={view.refresh ?? REFRESH_SECONDS} />
        </div>
      </div>
      {/* Keyed by the URL so the form shows the new values after any navigation. */}
      <SagaFilters key={JSON.stringify(values)} values={values} />
      {!parsed.ok ? (
        <p className="alert alert--error" role="alert" data-testid="filter-error">
          Invalid filter: {parsed.error}
        </p>
      ) : list && list.items.length > 0 ? (
        <>
          <SagaTable sagas={list.items} />
          <nav className="pager" aria-label="Pages">
            <span className="muted">
              {list.items.length} saga{list.items.length === 1 ? '' : 's'}, newest first
              {list.prevCursor ? ' (not the first page)' : ''}
            </span>
            {list.prevCursor ? (
              <>
                <Link className="button" href={sagaListHref({ ...current, cursor: null })} data-testid="first-page">
                  First page
                </Link>
                <Link className="button" href={sagaListHref({ ...current, cursor: list.prevCursor })} data-testid="prev-page" rel="prev">
                  Previous page
                </Link>
              </>
            ) : null}
            {list.nextCursor ? (
              <Link className="button" href={sagaListHref({ ...current, cursor: list.nextCursor })} data-testid="next-page" rel="next">
                Next page
              </Link>
            ) : null}
          </nav>
        </>
      ) : (
        <EmptyState query={parsed.value} range={view.range} formatTime={formatTime} paged={Boolean(current.cursor)} firstPageHref={sagaListHref({ ...current, cursor: null })} />
      )}
    </div>
  );
}

function EmptyState({
  query,
  range,
  formatTime,
  paged,
  firstPageHref,
}: {
  query: SagaListQuery;
  range: ReturnType<typeof resolveListPageParams>['range'];
  formatTime: (ms: number) => string;
  paged: boolean;
  firstPageHref: string;
}) {
  const filters = describeFilters(query, range, formatTime);
  return (
    <div className="empty" data-testid="empty-state">
      {paged ? (
        <p>
          No more sagas after the previous page. <Link href={firstPageHref}>Back to the first page</Link>
        </p>
      ) : filters.length > 0 ? (
        <>
          <p>No sagas where {joinWithAnd(filters)}.</p>
          <p>
            <Link href="/sagas">Clear all filters</Link>
          </p>
        </>
      ) : (
        <p>
          No sagas recorded yet. Sagas appear here once instrumented services send spans with <code>saga.*</code>{' '}
          attributes (or DTM calls) to the collector.
        </p>
      )}
    </div>
  );
}

function joinWithAnd(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
