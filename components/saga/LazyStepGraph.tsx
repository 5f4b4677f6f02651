'use client';

import { startTransition, useEffect, useRef, useState } from 'react';
import type { StepGraphProps } from './StepGraph';
import { whenSettled } from '@/lib/ui/idle';

type StepGraphModule = typeof import('./StepGraph');

/** How far outside the viewport the graph's box may be when its code starts loading. */
const NEAR_VIEWPORT = '300px';
/** The graph waits for the page to settle: the first input, or this long after hydration. */
const SETTLE_MS = 1_500;

/**
 * The step graph, drawn once its box is (nearly) in view and the page has
 * settled. ReactFlow is the heaviest part of the saga page: its code (~170 KB)
 * and, with up to 200 nodes, its server-rendered markup (~370 KB) and their
 * hydration came before the timeline could take a click; fetched and mounted in
 * the first idle period after hydration, its compile and its commit (0.1–0.3 s,
 * which a transition cannot split) still landed where a first visit's first
 * click did. Now its code is fetched only when the box is near the viewport,
 * after the user's first input or SETTLE_MS (lib/ui/idle.ts whenSettled), in an
 * idle period, and the graph mounts as a transition. The box keeps its size
 * meanwhile (no layout shift).
 */
export function LazyStepGraph({ graph, selectedId, onSelect, label }: StepGraphProps) {
  const [mod, setMod] = useState<StepGraphModule | null>(null);
  const [near, setNear] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || typeof IntersectionObserver !== 'function') {
      setNear(true);
      return;
    }
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          io.disconnect();
          setNear(true);
        }
      },
      { rootMargin: NEAR_VIEWPORT },
    );
    io.observe(el);
    return () => io.disconnect();
  }, []);
  useEffect(() => {
    if (!near) return;
    let live = true;
    const cancel = whenSettled(() => {
      void import('./StepGraph').then((m) => {
        if (live) startTransition(() => setMod(m));
      });
    }, SETTLE_MS);
    return () => {
      live = false;
      cancel();
    };
  }, [near]);
  return (
    <>
      {graph.totalNodes > graph.nodes.length ? (
        <p className="muted" data-testid="step-graph-truncated">
          Showing the first {graph.nodes.length} of {graph.totalNodes} nodes; the timeline and compensation chain show every step.
        </p>
      ) : null}
      {mod ? (
        <mod.StepGraph graph={graph} selectedId={selectedId} onSelect={onSelect} label={label} />
      ) : (
        <div ref={box} className="graph-canvas graph-canvas--steps" role="figure" aria-label={label} aria-busy="true" data-testid="step-graph-loading" />
      )}
    </>
  );
}
