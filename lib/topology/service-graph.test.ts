import { describe, expect, it } from 'vitest';
import { buildServiceGraph, MAX_LAYOUT_NODES } from './service-graph';
import type { TopologyEdge, TopologyNode } from '../stats/types';

const node = (service: string, calls: number, errors = 0): TopologyNode => ({ id: service, service, calls, errors });
const edge = (source: string, target: string, calls: number, errors = 0): TopologyEdge => ({
  id: `${source}->${target}`, source, target, calls, errors, p50Ms: 10, p95Ms: 40,
});
const nodes = [node('orchestrator', 100), node('order', 100), node('payment', 100, 7), node('inventory', 100, 2), node('shipping', 60)];
const edges = [edge('orchestrator', 'order', 100), edge('orchestrator', 'payment', 100, 7), edge('orchestrator', 'inventory', 100, 2), edge('orchestrator', 'shipping', 5)];
const href = (s: string) => `/sagas?service=${encodeURIComponent(s)}`;

describe('buildServiceGraph', () => {
  it('positions do not depend on the order of the response', () => {
    const a = buildServiceGraph({ nodes, edges }, href);
    const b = buildServiceGraph({ nodes: [...nodes].reverse(), edges: [...edges].reverse() }, href);
    expect(b).toEqual(a);
  });

  it('gives health, log widths and links, with opaque ids', () => {
    const g = buildServiceGraph({ nodes, edges }, href);
    const byService = new Map(g.nodes.map((n) => [n.service, n]));
    expect(byService.get('payment')!.health).toBe('bad');
    expect(byService.get('inventory')!.health).toBe('warn');
    expect(byService.get('order')!.health).toBe('ok');
    expect(g.nodes.every((n) => /^s\d+$/.test(n.id))).toBe(true);
    const toShipping = g.edges.find((e) => e.targetService === 'shipping')!;
    const toOrder = g.edges.find((e) => e.targetService === 'order')!;
    expect(toShipping.width).toBeLessThan(toOrder.width);
    expect(toShipping.href).toBe('/sagas?service=shipping');
    expect(toShipping.source).toBe(byService.get('orchestrator')!.id);
    // Callees sit right of their caller.
    for (const e of g.edges) expect(byService.get(e.targetService)!.x).toBeGreaterThan(byService.get(e.sourceService)!.x);
  });

  it('keeps a caller seen only through its edges as a node', () => {
    const g = buildServiceGraph({ nodes: [node('b', 3)], edges: [edge('a', 'b', 3)] }, href);
    expect(g.nodes.map((n) => [n.service, n.calls, n.health])).toEqual([['a', 0, 'idle'], ['b', 3, 'ok']]);
  });

  it('arranges a graph too big for the automatic layout in a grid by name', () => {
    const many = Array.from({ length: MAX_LAYOUT_NODES + 1 }, (_, i) => node(`svc-${String(i).padStart(3, '0')}`, 1));
    const g = buildServiceGraph({ nodes: [...many].reverse(), edges: [edge('svc-000', 'svc-001', 1)] }, href);
    expect(g.automatic).toBe(false);
    expect(g.nodes).toHaveLength(MAX_LAYOUT_NODES + 1);
    expect(g.nodes[0]).toMatchObject({ service: 'svc-000', x: 0, y: 0 });
    const spots = new Set(g.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(g.nodes.length);
  });

  it('gives the same layout again for the same structure, whatever the numbers', () => {
    const a = buildServiceGraph({ nodes, edges }, href);
    const b = buildServiceGraph({ nodes: nodes.map((n) => ({ ...n, calls: n.calls * 3 })), edges: edges.map((e) => ({ ...e, calls: e.calls + 1 })) }, href);
    expect(b.automatic).toBe(true);
    expect(b.nodes.map((n) => [n.id, n.x, n.y])).toEqual(a.nodes.map((n) => [n.id, n.x, n.y]));
  });
});
