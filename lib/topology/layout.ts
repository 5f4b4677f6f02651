/**
 * Automatic left → right layout (dagre) for the service graph and the saga step
 * graph. Deterministic: dagre's result depends on the order nodes and edges are
 * added, so both are sorted by id first. The same graph therefore lands in the
 * same place whatever order the API or a refresh returns it in, and an
 * auto-refreshing view does not shuffle its nodes.
 */
import dagre from '@dagrejs/dagre';

export interface LayoutNode {
  id: string;
  width: number;
  height: number;
}

export interface LayoutEdge {
  id: string;
  source: string;
  target: string;
  /** Higher keeps the edge shorter and straighter (dagre's weight). */
  weight?: number;
}

export interface LayoutOptions {
  direction?: 'LR' | 'TB';
  /** Gap between nodes of one rank. */
  nodeSep?: number;
  /** Gap between ranks. */
  rankSep?: number;
}

/** Top-left corner of a node (what React Flow positions by). */
export interface Position {
  x: number;
  y: number;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function layoutGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], opts: LayoutOptions = {}): Map<string, Position> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: opts.direction ?? 'LR', nodesep: opts.nodeSep ?? 40, ranksep: opts.rankSep ?? 120, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const sortedNodes = [...nodes].sort(byId);
  const known = new Set<string>();
  for (const n of sortedNodes) {
    if (known.has(n.id)) continue;
    known.add(n.id);
    g.setNode(n.id, { width: n.width, height: n.height });
  }
  for (const e of [...edges].sort(byId)) {
    // An edge to a node that is not drawn would make dagre invent an empty node.
    if (!known.has(e.source) || !known.has(e.target)) continue;
    g.setEdge(e.source, e.target, { weight: e.weight ?? 1 }, e.id);
  }
  dagre.layout(g);
  const out = new Map<string, Position>();
  for (const n of sortedNodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    // dagre gives centres; rounding keeps positions identical across runs and renders crisp.
    out.set(n.id, { x: Math.round(p.x - n.width / 2), y: Math.round(p.y - n.height / 2) });
  }
  return out;
}
