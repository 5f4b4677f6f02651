/**
 * The per-saga step graph: forward steps as nodes in step order, each
 * compensation as a node of its own, and three kinds of edges:
 *   - forward: step i → step i+1 (the order the saga runs its steps);
 *   - compensation: the failed step → the compensations, in the order they
 *     actually ran (so an out-of-order rollback shows as such);
 *   - undo: each forward step → its own compensation.
 * Pure, from the model's steps (Saga.steps: one entry per step, op and
 * attempt). Runs of one step and kind (retries, TCC's try + confirm) fold into
 * one node.
 */
import { isCompensationOp } from '../saga/ops';
import type { Op, StepResult } from '../saga/types';

/** Beyond this many nodes a graph is unreadable and its layout slow; the timeline and chain still show every step. */
export const MAX_STEP_GRAPH_NODES = 200;

/** What the graph reads of a step (the model's Step has it all). */
export interface StepRun {
  step: string;
  index: number;
  op: Op;
  attempt: number;
  result: StepResult;
  service: string;
  spanId: string;
  startMs: number;
  manual: boolean;
}

export type StepNodeKind = 'forward' | 'compensation';

// A type alias (not an interface) so React Flow accepts it as node data.
export type StepGraphNode = {
  /** Opaque and free of step text (`f0`, `c1`): names are untrusted and only ever rendered as text. */
  id: string;
  kind: StepNodeKind;
  step: string;
  index: number;
  /** Services that ran it (usually one). */
  services: string[];
  /** Ops in the order first seen (e.g. try, confirm). */
  ops: Op[];
  /** Runs folded into this node (attempts of every op). */
  runs: number;
  /** Worst of each op's latest attempt: failure/rejected > running > skipped > success. */
  result: StepResult;
  /** An operator ran at least one of its runs by hand. */
  manual: boolean;
  /** The saga's failed step (the forward failure that made it roll back). */
  failed: boolean;
  /** 1-based: position among forward steps, or the order compensations started in. */
  order: number;
  /** The span of its latest run, to select it on the timeline. */
  spanId: string;
};

export type StepEdgeKind = 'forward' | 'compensation' | 'undo';

export interface StepGraphEdge {
  id: string;
  source: string;
  target: string;
  kind: StepEdgeKind;
}

export interface StepGraph {
  nodes: StepGraphNode[];
  edges: StepGraphEdge[];
  /** Nodes the full graph has; more than `nodes.length` when it was cut at MAX_STEP_GRAPH_NODES. */
  totalNodes: number;
}

const SEVERITY: Record<StepResult, number> = { success: 0, skipped: 1, running: 2, ongoing: 2, rejected: 3, transient: 4, failure: 4 };

interface Group {
  kind: StepNodeKind;
  step: string;
  index: number;
  firstMs: number;
  services: string[];
  ops: Op[];
  /** op → its latest run. */
  latest: Map<Op, StepRun>;
  last: StepRun;
  runs: number;
  manual: boolean;
}

const later = (a: StepRun, b: StepRun) => b.startMs > a.startMs || (b.startMs === a.startMs && b.attempt > a.attempt);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function groupRuns(runs: readonly StepRun[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of runs) {
    const kind: StepNodeKind = isCompensationOp(r.op) ? 'compensation' : 'forward';
    // The model gives an action and its compensation the same index and display name.
    const key = `${kind}\u0000${r.index}\u0000${r.step}`;
    let g = groups.get(key);
    if (!g) {
      g = { kind, step: r.step, index: r.index, firstMs: r.startMs, services: [], ops: [], latest: new Map(), last: r, runs: 0, manual: false };
      groups.set(key, g);
    }
    g.runs++;
    g.firstMs = Math.min(g.firstMs, r.startMs);
    g.manual ||= r.manual;
    if (!g.services.includes(r.service)) g.services.push(r.service);
    if (!g.ops.includes(r.op)) g.ops.push(r.op);
    const prev = g.latest.get(r.op);
    if (!prev || later(prev, r)) g.latest.set(r.op, r);
    if (later(g.last, r)) g.last = r;
  }
  return [...groups.values()];
}

function resultOf(g: Group): StepResult {
  let worst: StepResult = 'success';
  for (const r of g.latest.values()) if (SEVERITY[r.result] > SEVERITY[worst]) worst = r.result;
  return worst;
}

/**
 * @param failedStep the saga's failed step (SagaSummary.failedStep): its forward
 *   node is highlighted and the compensation edges start from it.
 */
export function buildStepGraph(runs: readonly StepRun[], failedStep: string | null, maxNodes = MAX_STEP_GRAPH_NODES): StepGraph {
  const groups = groupRuns(runs);
  const forward = groups
    .filter((g) => g.kind === 'forward')
    .sort((a, b) => a.index - b.index || a.firstMs - b.firstMs || cmp(a.step, b.step));
  // The order they ran in, not the order they should have.
  const compensations = groups
    .filter((g) => g.kind === 'compensation')
    .sort((a, b) => a.firstMs - b.firstMs || b.index - a.index || cmp(a.step, b.step));
  const totalNodes = forward.length + compensations.length;

  // Keep the forward path whole when possible; compensations fill what is left.
  const keptForward = forward.slice(0, maxNodes);
  const keptComp = compensations.slice(0, Math.max(0, maxNodes - keptForward.length));

  const toNode = (g: Group, kind: StepNodeKind, i: number): StepGraphNode => ({
    id: `${kind === 'forward' ? 'f' : 'c'}${i}`,
    kind, step: g.step, index: g.index, services: g.services, ops: g.ops, runs: g.runs,
    result: resultOf(g), manual: g.manual, failed: false, order: i + 1, spanId: g.last.spanId,
  });
  const fNodes = keptForward.map((g, i) => toNode(g, 'forward', i));
  const cNodes = keptComp.map((g, i) => toNode(g, 'compensation', i));

  let failedNode: StepGraphNode | undefined;
  if (failedStep !== null) {
    const named = fNodes.filter((n) => n.step === failedStep);
    failedNode = named.find((n) => n.result === 'failure' || n.result === 'transient' || n.result === 'rejected') ?? named[0];
    if (failedNode) failedNode.failed = true;
  }

  const edges: StepGraphEdge[] = [];
  for (let i = 1; i < fNodes.length; i++) edges.push({ id: `fwd:${fNodes[i - 1]!.id}:${fNodes[i]!.id}`, source: fNodes[i - 1]!.id, target: fNodes[i]!.id, kind: 'forward' });
  let prev: StepGraphNode | undefined = failedNode;
  for (const c of cNodes) {
    if (prev) edges.push({ id: `comp:${prev.id}:${c.id}`, source: prev.id, target: c.id, kind: 'compensation' });
    prev = c;
  }
  for (const c of cNodes) {
    const f = fNodes.find((n) => n.index === c.index && n.step === c.step);
    // The failed step's own compensation is already reached by the compensation path when it comes first.
    if (f && !edges.some((e) => e.source === f.id && e.target === c.id)) {
      edges.push({ id: `undo:${f.id}:${c.id}`, source: f.id, target: c.id, kind: 'undo' });
    }
  }
  return { nodes: [...fNodes, ...cNodes], edges, totalNodes };
}
