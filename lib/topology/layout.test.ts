import { describe, expect, it } from 'vitest';
import { layoutGraph, type LayoutEdge, type LayoutNode } from './layout';

const size = { width: 180, height: 64 };
const services = ['orchestrator', 'order', 'inventory', 'payment', 'shipping', 'gateway'];
const nodes: LayoutNode[] = services.map((id) => ({ id, ...size }));
const edges: LayoutEdge[] = [
  ['gateway', 'orchestrator'],
  ['orchestrator', 'order'],
  ['orchestrator', 'inventory'],
  ['orchestrator', 'payment'],
  ['orchestrator', 'shipping'],
  ['payment', 'inventory'],
].map(([source, target]) => ({ id: `${source}->${target}`, source: source!, target: target! }));

/** A fixed permutation per seed, so the test itself is deterministic. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('layoutGraph', () => {
  it('gives the same positions whatever order nodes and edges arrive in', () => {
    const reference = layoutGraph(nodes, edges);
    for (let seed = 1; seed <= 20; seed++) {
      const again = layoutGraph(shuffled(nodes, seed), shuffled(edges, seed * 7 + 3));
      expect(Object.fromEntries(again)).toEqual(Object.fromEntries(reference));
    }
  });

  it('lays out left to right: a callee sits right of its caller', () => {
    const p = layoutGraph(nodes, edges);
    for (const e of edges) expect(p.get(e.target)!.x).toBeGreaterThan(p.get(e.source)!.x);
  });

  it('does not overlap nodes', () => {
    const p = [...layoutGraph(nodes, edges).values()];
    for (let i = 0; i < p.length; i++) {
      for (let j = i + 1; j < p.length; j++) {
        const apart = Math.abs(p[i]!.x - p[j]!.x) >= size.width || Math.abs(p[i]!.y - p[j]!.y) >= size.height;
        expect(apart).toBe(true);
      }
    }
  });

  it('positions every node, ignores edges to unknown nodes and duplicate nodes', () => {
    const p = layoutGraph([...nodes, nodes[0]!], [...edges, { id: 'x', source: 'order', target: 'ghost' }]);
    expect([...p.keys()].sort()).toEqual([...services].sort());
  });

  it('handles an empty graph and a single node', () => {
    expect(layoutGraph([], []).size).toBe(0);
    expect(layoutGraph([{ id: 'solo', ...size }], []).get('solo')).toEqual({ x: 0, y: 0 });
  });
});
