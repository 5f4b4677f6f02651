import Link from 'next/link';
import type { ServiceGraphView } from '@/lib/topology/service-graph';
import { formatRate } from '@/lib/topology/health';
import { formatDuration } from '@/lib/ui/format';

/** The graph's numbers as tables: exact values, sortable by eye, and readable without the canvas. */
export function TopologyTables({ graph }: { graph: ServiceGraphView }) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const edges = [...graph.edges].sort((a, b) => b.calls - a.calls || (a.id < b.id ? -1 : 1));
  return (
    <div className="topo-tables">
      <div className="table-wrap">
        <table className="saga-table" data-testid="topology-services">
          <caption className="visually-hidden">Services</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col" className="num">Calls</th>
              <th scope="col" className="num">Errors</th>
              <th scope="col" className="num">Error rate</th>
            </tr>
          </thead>
          <tbody>
            {graph.nodes.map((n) => (
              <tr key={n.id} className={`topo-health--${n.health}`}>
                <td>
                  <span className="topo-swatch" aria-hidden="true" />
                  <Link href={n.href}>{n.service}</Link>
                </td>
                <td className="num">{n.calls}</td>
                <td className="num">{n.errors}</td>
                <td className="num">{formatRate(n.errorRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-wrap">
        <table className="saga-table" data-testid="topology-calls">
          <caption className="visually-hidden">Calls between services</caption>
          <thead>
            <tr>
              <th scope="col">Caller → callee</th>
              <th scope="col" className="num">Calls</th>
              <th scope="col" className="num">Error rate</th>
              <th scope="col" className="num">p50</th>
              <th scope="col" className="num">p95</th>
            </tr>
          </thead>
          <tbody>
            {edges.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  No calls between services in this range.
                </td>
              </tr>
            ) : (
              edges.map((e) => (
                <tr key={e.id} className={`topo-health--${e.health}`}>
                  <td>
                    <span className="topo-swatch" aria-hidden="true" />
                    {byId.get(e.source)?.service} → <Link href={e.href}>{e.targetService}</Link>
                  </td>
                  <td className="num">{e.calls}</td>
                  <td className="num">{formatRate(e.errorRate)}</td>
                  <td className="num">{formatDuration(e.p50Ms)}</td>
                  <td className="num">{formatDuration(e.p95Ms)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
