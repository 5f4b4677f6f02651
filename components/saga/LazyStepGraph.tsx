'use client';

import { startTransition, useEffect, useState } from 'react';
import type { StepGraphProps } from './StepGraph';
import { whenIdle } from '@/lib/ui/idle';

type StepGraphModule = typeof import('./StepGraph');

/**
 * The step graph, drawn once the page is interactive. ReactFlow is the
 * heaviest part of the saga page: its code (~170 KB) and, with up to 200
 * nodes, its server-rendered markup (~370 KB) and their hydration came before
 * the timeline could take a click. Now its code is fetched in the first idle
 * period after hydration and the graph mounts as a transition React can
 * interrupt for input. The box keeps its size meanwhile (no layout shift).
 */
export function LazyStepGraph({ graph, selectedId, onSelect, label }: StepGraphProps) {
  const [mod, setMod] = useState<StepGraphModule | null>(null);
  useEffect(() => {
    let live = true;
    // Even fetching the code waits for an idle period: on a first visit its compile
    // (~0.1 s) would otherwise land right after hydration, in front of the first click.
    const cancel = whenIdle(() => {
      void import('./StepGraph').then((m) => {
        if (live) startTransition(() => setMod(m));
      });
    }, 2_000);
    return () => {
      live = false;
      cancel();
    };
  }, []);
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
        <div className="graph-canvas graph-canvas--steps" role="figure" aria-label={label} aria-busy="true" data-testid="step-graph-loading" />
      )}
    </>
  );
}
