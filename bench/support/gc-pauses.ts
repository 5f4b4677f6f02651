/**
 * Garbage-collection pauses of this process over a window, from perf_hooks 'gc'
 * entries. A CPU profile cannot attribute collections (they carry no JavaScript
 * stack), and a bench that builds large data before and after the measured part
 * made a whole-process profile overstate the collector's GC by more than 2×
 * (docs/benchmarks-ingest.md, session 5): this counts only what ran in between.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';

export interface GcPauses {
  /** Main-thread pause time, ms. */
  totalMs: number;
  scavenges: number;
  /** Mark-compacts, incremental marking steps and weak-callback passes. */
  others: number;
}

/** Starts counting; `stop()` ends the window and returns what happened in it. */
export function watchGcPauses(): { stop(): Promise<GcPauses> } {
  const out: GcPauses = { totalMs: 0, scavenges: 0, others: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      out.totalMs += entry.duration;
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) out.scavenges++;
      else out.others++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Entries are delivered asynchronously: let the last ones arrive.
      await new Promise((resolve) => setTimeout(resolve, 50));
      observer.disconnect();
      return out;
    },
  };
}
