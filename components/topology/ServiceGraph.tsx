'use client';

import '@xyflow/react/dist/style.css';
import './topology.css';
import { memo, useMemo } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import {
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  getBezierPath,
  type Edge,
  type EdgeProps,
  type Node,
  type NodeProps,
} from '@xyflow/react';
import { READ_ONLY_FLOW } from '../graph/read-only-flow';
import type { ServiceEdgeView, ServiceGraphView, ServiceNodeView } from '@/lib/topology/service-graph';
import { formatCount, formatRate } from '@/lib/topology/health';
import { formatDuration } from '@/lib/ui/format';

type ServiceNode = Node<ServiceNodeView, 'service'>;
type ServiceEdge = Edge<ServiceEdgeView, 'service'>;

const HEALTH_COLOUR = { ok: '#15803d', warn: '#b45309', bad: '#c0262d', idle: '#6b7a8f' } as const;
const hidden = { opacity: 0, pointerEvents: 'none' } as const;

/** Service names are untrusted: text nodes and a link we build with encodeURIComponent, nothing else. */
const ServiceNodeBox = memo(function ServiceNodeBox({ data }: NodeProps<ServiceNode>) {
  return (
    <div
      className={`topo-node topo-health--${data.health}`}
      data-testid="topology-node"
      data-service={data.service}
      data-health={data.health}
      title={data.service}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} style={hidden} />
      <Link href={data.href} className="topo-node__name nodrag nopan" data-testid="topology-node-link">
        {data.service}
      </Link>
      <span className="topo-node__stats">
        {formatCount(data.calls)} call{data.calls === 1 ? '' : 's'} ·{' '}
        <span className="topo-node__rate">{formatRate(data.errorRate)}</span> errors
      </span>
      <Handle type="source" position={Position.Right} isConnectable={false} style={hidden} />
    </div>
  );
});

function ServiceEdgeLine({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd, style }: EdgeProps<ServiceEdge>) {
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  if (!data) return null;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} interactionWidth={18} />
      <EdgeLabelRenderer>
        <Link
          href={data.href}
          className={`topo-edge-label topo-health--${data.health} nodrag nopan`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-testid="topology-edge"
          data-source={data.sourceService}
          data-target={data.targetService}
          data-health={data.health}
          aria-label={`${data.sourceService} calls ${data.targetService}: ${data.calls} calls, error rate ${formatRate(data.errorRate)}, p95 ${formatDuration(data.p95Ms)}. Show sagas involving ${data.targetService}.`}
        >
          {formatCount(data.calls)} · <span className="topo-edge-label__rate">{formatRate(data.errorRate)}</span> · p95{' '}
          {formatDuration(data.p95Ms)}
        </Link>
      </EdgeLabelRenderer>
    </>
  );
}

const nodeTypes = { service: ServiceNodeBox };
const edgeTypes = { service: ServiceEdgeLine };

/**
 * The service graph, laid out on the server (deterministic, so a refresh keeps
 * every node in place). A node or an edge opens the saga list filtered to the
 * service (an edge: its callee); the links inside make that keyboard-reachable.
 */
export function ServiceGraph({ graph, label }: { graph: ServiceGraphView; label: string }) {
  const router = useRouter();
  const nodes = useMemo<ServiceNode[]>(
    () =>
      graph.nodes.map((n) => ({
        id: n.id,
        type: 'service',
        position: { x: n.x, y: n.y },
        data: n,
        width: 200,
        height: 68,
        draggable: false,
        connectable: false,
      })),
    [graph.nodes],
  );
  const edges = useMemo<ServiceEdge[]>(
    () =>
      graph.edges.map((e) => ({
        id: e.id,
        type: 'service',
        source: e.source,
        target: e.target,
        data: e,
        style: { stroke: HEALTH_COLOUR[e.health], strokeWidth: e.width },
        // In user space: a marker sized in stroke widths would grow with the busiest edges.
        markerEnd: { type: MarkerType.ArrowClosed, color: HEALTH_COLOUR[e.health], width: 18, height: 18, markerUnits: 'userSpaceOnUse' },
      })),
    [graph.edges],
  );

  return (
    <div className="graph-canvas" role="figure" aria-label={label} data-testid="topology-graph">
      <ReactFlow<ServiceNode, ServiceEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        {...READ_ONLY_FLOW}
        fitViewOptions={{ padding: 0.15, maxZoom: 1.2 }}
        minZoom={0.1}
        onNodeClick={(event, node) => {
          if (!(event.target as Element).closest('a')) router.push(node.data.href);
        }}
        onEdgeClick={(_event, edge) => {
          if (edge.data) router.push(edge.data.href);
        }}
      >
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
