/**
 * The step graph as drawn: positions from the shared deterministic layout. The
 * forward path weighs more so it stays a straight line and compensations hang
 * off it.
 */
import { layoutGraph } from '../topology/layout';
import type { StepGraph, StepGraphEdge, StepGraphNode } from './step-graph';

export const STEP_NODE_WIDTH = 190;
export const STEP_NODE_HEIGHT = 64;

export interface StepGraphView {
  nodes: (StepGraphNode & { x: number; y: number })[];
  edges: StepGraphEdge[];
  totalNodes: number;
}

export function layoutStepGraph(g: StepGraph): StepGraphView {
  const positions = layoutGraph(
    g.nodes.map((n) => ({ id: n.id, width: STEP_NODE_WIDTH, height: STEP_NODE_HEIGHT })),
    g.edges.map((e) => ({ id: e.id, source: e.source, target: e.target, weight: e.kind === 'forward' ? 8 : 1 })),
    { direction: 'LR', nodeSep: 30, rankSep: 60 },
  );
  return { nodes: g.nodes.map((n) => ({ ...n, ...positions.get(n.id)! })), edges: g.edges, totalNodes: g.totalNodes };
}
