import type { Metadata } from 'next';
import Link from 'next/link';
import { parseTopologyQuery } from '@/lib/stats/query';
import { getTopology } from '@/lib/db';
import { buildServiceGraph } from '@/lib/topology/service-graph';
import { readTopologyView, sagaListHrefForService, topologyHref } from '@/lib/topology/view';
import { formatDateTime } from '@/lib/time/zone';
import { REFRESH_SECONDS } from '@/lib/ui/saga-list-params';
import { AutoRefreshToggle } from '@/components/AutoRefreshToggle';
import { ServiceGraph } from '@/components/topology/ServiceGraph';
import { TopologyLegend } from '@/components/topology/TopologyLegend';
import { TopologyRangeControls } from '@/components/topology/TopologyRangeControls';
import { TopologyTables } from '@/components/topology/TopologyTables';
import { pathWithQuery, requirePage } from '../_lib/auth';
import { currentZonePref } from '../_lib/time-zone';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Topology' };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function TopologyPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('read', pathWithQuery('/topology', raw));
  const { view, apiParams } = readTopologyView(raw);
  const parsed = parseTopologyQuery(apiParams);
  const topology = parsed.ok ? await getTopology(parsed.value) : null;
  const graph =
    parsed.ok && topology ? buildServiceGraph(topology, (service) => sagaListHrefForService(service, view, parsed.value)) : null;

  const { zone } = await currentZonePref();
  const scope = view.sagaId
    ? `Saga ${view.sagaId}`
    : parsed.ok
      ? `${formatDateTime(parsed.value.fromMs, zone, { minutes: true })} – ${formatDateTime(parsed.value.toMs, zone, { minutes: true })}${view.name ? `, saga name “${view.name}”` : ''}`
      : '';

  return (
    <div className="page">
      <div className="page-head">
        <h1>Topology</h1>
        <div className="page-head__tools">
          <AutoRefreshToggle enabled={view.refresh} seconds={REFRESH_SECONDS} />
        </div>
      </div>
      {view.sagaId ? (
        <div className="panel topo-scope" data-testid="topology-saga-scope">
          <span>
            Services of one saga: <span className="mono">{view.sagaId}</span> (from its spans; the time range does not apply).
          </span>
          <Link href={`/sagas/${encodeURIComponent(view.sagaId)}`}>Open the saga</Link>
          <Link href={topologyHref({ refresh: view.refresh })}>All sagas</Link>
        </div>
      ) : (
        <TopologyRangeControls key={JSON.stringify(view)} view={view} />
      )}
      {!parsed.ok ? (
        <p className="alert alert--error" role="alert" data-testid="topology-error">
          Invalid query: {parsed.error}
        </p>
      ) : !topology || !graph ? (
        <p className="alert alert--error" role="alert" data-testid="topology-error">
          No saga with id <span className="mono">{view.sagaId}</span>.
        </p>
      ) : graph.nodes.length === 0 ? (
        <div className="empty" data-testid="topology-empty">
          <p>No saga spans in {scope}.</p>
          <p>The graph is built from spans that belong to a saga; pick a longer range or clear the saga name.</p>
        </div>
      ) : (
        <section className="section" aria-labelledby="topology-h">
          <div className="section__head">
            <h2 id="topology-h">
              Service graph <span className="count">{graph.nodes.length}</span>
            </h2>
            <span className="muted" data-testid="topology-scope">
              {scope}
            </span>
          </div>
          <TopologyLegend />
          {graph.automatic ? null : (
            <p className="muted" data-testid="topology-grid-note">
              {graph.nodes.length} services, {graph.edges.length} calls between them: too many for the automatic layout, so the
              services are arranged by name. Narrow the graph with a saga name.
            </p>
          )}
          <ServiceGraph graph={graph} label={`Service graph: ${scope}`} />
          <p className="muted">
            Select a service (or a call&apos;s label, for its callee) to list the sagas involving it over the same range.
          </p>
          <TopologyTables graph={graph} />
        </section>
      )}
    </div>
  );
}
