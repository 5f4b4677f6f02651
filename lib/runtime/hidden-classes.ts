/**
 * Keeps V8 hidden classes alive for the life of the process.
 *
 * An object that gets its fields after it is made (a class with fields, a
 * constructor that assigns to `this`) moves through hidden classes that V8
 * keeps only while some object has them. Optimized code checks for those
 * classes. When a hot path makes such objects per request and drops them, a
 * full collection between requests frees the classes and throws away every
 * optimized function that had seen one; the next request builds new classes and
 * the functions are compiled again. On an ingest worker, whose forced
 * collections came every ~20 requests (lib/ingest/decode-worker.ts), that was
 * some twenty functions each time: background compilation, and slow code until
 * it finished. One living instance of each such class keeps its hidden classes.
 */
const kept: unknown[] = [];

/** Keeps `objects` (one instance per class is enough) reachable for good. */
export function keepHiddenClasses(...objects: unknown[]): void {
  kept.push(...objects);
}
