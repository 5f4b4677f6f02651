'use client';

import '@xyflow/react/dist/style.css';
import '../topology/topology.css';
import { memo, useMemo, useRef } from 'react';
import { BaseEdge, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type EdgeProps, type Node, type NodeProps } from '@xyflow/react';
import { READ_ONLY_FLOW } from '../graph/read-only-flow';
import type { StepGraphView } from '@/lib/saga-view/step-graph-layout';
import type { StepEdgeKind, StepGraphNode } from '@/lib/saga-view/step-graph';
import { STEP_NODE_HEIGHT, STEP_NODE_WIDTH } from '@/lib/saga-view/step-graph-layout';
import { UndoIcon } from '../UndoIcon';

type StepNodeData = StepGraphNode & { selected: boolean; onSelect: (spanId: string) => void };
type StepNode = Node<StepNodeData, 'step'>;

const RESULT_MARK: Record<StepGraphNode['result'], string> = { success: '✓', failure: '✕', skipped: '∅', rejected: '⊘', running: '…', transient: '✕', ongoing: '…' };
const hidden = { opacity: 0, pointerEvents: 'none' } as const;

const EDGE_STYLE: Record<StepEdgeKind, { stroke: string; strokeWidth: number; strokeDasharray?: string }> = {
  forward: { stroke: '#0f8a7e', strokeWidth: 2 },
  compensation: { stroke: '#3f6ee8', strokeWidth: 2, strokeDasharray: '7 4' },
  undo: { stroke: '#a9bef6', strokeWidth: 1.5, strokeDasharray: '2 4' },
};

/** Step names and services are untrusted: rendered as text only. */
const StepNodeBox = memo(function StepNodeBox({ data }: NodeProps<StepNode>) {
  const cls = [
    'step-node',
    `step-node--${data.kind}`,
    `step-node--${data.result}`,
    data.failed ? 'step-node--failed' : '',
    data.selected ? 'step-node--selected' : '',
  ].join(' ');
  const name = `${data.kind === 'compensation' ? 'Compensation' : 'Step'} ${data.order}: ${data.step}`;
  return (
    <button
      type="button"
      className={`${cls} nodrag nopan`}
      onClick={() => data.onSelect(data.spanId)}
      aria-pressed={data.selected}
      aria-label={`${name}, ${data.ops.join(' + ')} on ${data.services.join(', ')}, ${data.result}${data.failed ? ', the failed step' : ''}${data.manual ? ', run manually' : ''}`}
      data-testid="step-graph-node"
      data-kind={data.kind}
      data-result={data.result}
      data-failed={data.failed}
      data-manual={data.manual}
      title={data.step}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} style={hidden} />
      <span className="step-node__title">
        <span className="step-node__order">{data.kind === 'compensation' ? <UndoIcon /> : null}#{data.order}</span>
        <span className="step-node__name">{data.step}</span>
        <span aria-hidden="true">{RESULT_MARK[data.result]}</span>
      </span>
      <span className="step-node__meta">
        {data.ops.join(' + ')} · {data.services.join(', ')}
        {data.runs > 1 ? ` · ${data.runs} runs` : ''}
      </span>
      {data.failed || data.manual ? (
        <span className="step-node__meta">
          {data.failed ? <span className="step-node__flag">failed step</span> : null}
          {data.failed && data.manual ? ' ' : null}
          {data.manual ? <span className="manual-badge">manual</span> : null}
        </span>
      ) : null}
      <Handle type="source" position={Position.Right} isConnectable={false} style={hidden} />
      {/* Undo edges arc above the line from the step's top to its compensation's top. */}
      <Handle id="arc-out" type="source" position={Position.Top} isConnectable={false} style={hidden} />
      <Handle id="arc-in" type="target" position={Position.Top} isConnectable={false} style={hidden} />
    </button>
  );
});

/** An arc over the nodes between its ends, higher the farther they are apart, so nested rollbacks nest. */
function ArcEdge({ id, sourceX, sourceY, targetX, targetY, style }: EdgeProps) {
  const h = Math.min(24 + Math.abs(targetX - sourceX) * 0.12, 140);
  const path = `M ${sourceX} ${sourceY} C ${sourceX} ${sourceY - h}, ${targetX} ${targetY - h}, ${targetX} ${targetY}`;
  return <BaseEdge id={id} path={path} style={style} />;
}

const nodeTypes = { step: StepNodeBox };
const edgeTypes = { arc: ArcEdge };

/**
 * Steps as nodes on one line (lib/saga-view/step-graph-layout.ts), forward edges in
 * step order, compensation edges in the order compensations ran, and dotted
 * "undo" arcs from each step to its compensation. Selecting a node selects its latest run
 * on the timeline.
 */
export interface StepGraphProps {
  graph: StepGraphView;
  selectedId: string | null;
  onSelect: (spanId: string) => void;
  label: string;
}

export function StepGraph({ graph, selectedId, onSelect, label }: StepGraphProps) {
  // A selection change replaces only the nodes whose `selected` flipped: ReactFlow and the
  // memoised node boxes then redo two nodes, not all of them (up to 200 on a large saga).
  const previous = useRef<{ graph: StepGraphView; onSelect: (spanId: string) => void; nodes: Map<string, StepNode> } | null>(null);
  const nodes = useMemo<StepNode[]>(() => {
    const prev = previous.current && previous.current.graph === graph && previous.current.onSelect === onSelect ? previous.current.nodes : null;
    const byId = new Map<string, StepNode>();
    const list = graph.nodes.map((n) => {
      const selected = n.spanId === selectedId;
      const old = prev?.get(n.id);
      const node: StepNode =
        old && old.data.selected === selected
          ? old
          : {
              id: n.id,
              type: 'step',
              position: { x: n.x, y: n.y },
              data: { ...n, selected, onSelect },
              width: STEP_NODE_WIDTH,
              height: STEP_NODE_HEIGHT,
              draggable: false,
              connectable: false,
            };
      byId.set(n.id, node);
      return node;
    });
    previous.current = { graph, onSelect, nodes: byId };
    return list;
  }, [graph, selectedId, onSelect]);
  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        type: e.kind === 'undo' ? 'arc' : 'straight',
        ...(e.kind === 'undo' ? { sourceHandle: 'arc-out', targetHandle: 'arc-in' } : {}),
        className: `step-edge step-edge--${e.kind}`,
        style: EDGE_STYLE[e.kind],
        markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_STYLE[e.kind].stroke, width: 14, height: 14 },
      })),
    [graph.edges],
  );

  return (
    <>
      <div className="graph-canvas graph-canvas--steps" role="figure" aria-label={label} data-testid="step-graph">
        <ReactFlow<StepNode, Edge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          {...READ_ONLY_FLOW}
          fitViewOptions={{ padding: 0.12, maxZoom: 1.1 }}
          minZoom={0.05}
        >
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </>
  );
}
