/**
 * The service graph as drawn: the topology response laid out (lib/topology/
 * layout.ts) with each node's and edge's health, edge widths and link targets.
 * Runs on the server, so the browser receives positions and never runs dagre.
 */
import type { TopologyResponse } from '../stats/types';
import { edgeWidth, errorRate, healthOf, type Health } from './health';
import { layoutGraph, type LayoutEdge, type Position } from './layout';

export const SERVICE_NODE_WIDTH = 200;
export const SERVICE_NODE_HEIGHT = 68;

// Type aliases, not interfaces: React Flow's node data must be assignable to Record<string, unknown>.
export type ServiceNodeView = {
  /** Opaque (`s0`, `s1`…, in service-name order): service names are untrusted text and only ever rendered as text. */
  id: string;
  service: string;
  calls: number;
  errors: number;
  errorRate: number | null;
  health: Health;
  x: number;
  y: number;
  /** The saga list filtered to this service. */
  href: string;
};

export type ServiceEdgeView = {
  id: string;
  source: string;
  target: string;
  sourceService: string;
  targetService: string;
  calls: number;
  errors: number;
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  health: Health;
  width: number;
  /** The saga list filtered to the callee. */
  href: string;
};

export interface ServiceGraphView {
  /** false: too big for the automatic layout, arranged in a grid by name. */
  automatic: boolean;
  nodes: ServiceNodeView[];
  edges: ServiceEdgeView[];
}

/**
 * dagre's time grows fast with size (measured here: 5 services ≈ 50 ms, 50
 * services / 196 edges ≈ 2 s, 100 / 396 ≈ 4–10 s). Past these sizes the
 * services go in a grid by name instead.
 */
export const MAX_LAYOUT_NODES = 60;
export const MAX_LAYOUT_EDGES = 240;
const GRID_COLUMNS = 6;

/**
 * Layouts by graph structure: an auto-refreshing page asks for the same one
 * every few seconds, and the layout is a pure function of the structure, so a
 * cached one is the same answer.
 */
const layoutCache = new Map<string, Map<string, Position>>();
const LAYOUT_CACHE_SIZE = 32;

function positionsFor(services: readonly string[], edges: readonly LayoutEdge[]): { positions: Map<string, Position>; automatic: boolean } {
  const ids = services.map((_, i) => `s${i}`);
  if (services.length > MAX_LAYOUT_NODES || edges.length > MAX_LAYOUT_EDGES) {
    const positions = new Map(ids.map((id, i) => [id, {
      x: (i % GRID_COLUMNS) * (SERVICE_NODE_WIDTH + 60),
      y: Math.floor(i / GRID_COLUMNS) * (SERVICE_NODE_HEIGHT + 50),
    }]));
    return { positions, automatic: false };
  }
  const key = JSON.stringify([services, edges.map((e) => e.id).sort()]);
  let positions = layoutCache.get(key);
  if (positions) {
    layoutCache.delete(key); // re-inserted below: most recently used last
  } else {
    positions = layoutGraph(
      ids.map((id) => ({ id, width: SERVICE_NODE_WIDTH, height: SERVICE_NODE_HEIGHT })),
      edges,
      { direction: 'LR', nodeSep: 36, rankSep: 170 },
    );
  }
  layoutCache.set(key, positions);
  if (layoutCache.size > LAYOUT_CACHE_SIZE) layoutCache.delete(layoutCache.keys().next().value!);
  return { positions, automatic: true };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildServiceGraph(t: Pick<TopologyResponse, 'nodes' | 'edges'>, hrefFor: (service: string) => string): ServiceGraphView {
  const services = [...new Set([...t.nodes.map((n) => n.service), ...t.edges.flatMap((e) => [e.source, e.target])])].sort(cmp);
  const idOf = new Map(services.map((s, i) => [s, `s${i}`]));
  const stats = new Map(t.nodes.map((n) => [n.service, n]));
  const edges = [...t.edges].sort((a, b) => cmp(a.source, b.source) || cmp(a.target, b.target));
  const maxCalls = Math.max(1, ...edges.map((e) => e.calls));

  const layoutEdges = edges.map((e) => ({ id: `${idOf.get(e.source)}>${idOf.get(e.target)}`, source: idOf.get(e.source)!, target: idOf.get(e.target)! }));
  const { positions, automatic } = positionsFor(services, layoutEdges);

  return {
    automatic,
    nodes: services.map((service) => {
      const id = idOf.get(service)!;
      const n = stats.get(service) ?? { calls: 0, errors: 0 };
      return {
        id, service, calls: n.calls, errors: n.errors,
        errorRate: errorRate(n.calls, n.errors), health: healthOf(n.calls, n.errors),
        ...positions.get(id)!, href: hrefFor(service),
      };
    }),
    edges: edges.map((e) => {
      const source = idOf.get(e.source)!;
      const target = idOf.get(e.target)!;
      return {
        id: `${source}>${target}`, source, target, sourceService: e.source, targetService: e.target,
        calls: e.calls, errors: e.errors, errorRate: errorRate(e.calls, e.errors), p50Ms: e.p50Ms, p95Ms: e.p95Ms,
        health: healthOf(e.calls, e.errors), width: edgeWidth(e.calls, maxCalls), href: hrefFor(e.target),
      };
    }),
  };
}
