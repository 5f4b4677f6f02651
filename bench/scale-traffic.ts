/**
 * Traffic for the multi-collector benchmark (bench/scale.ts): the sagas of
 * bench/saga-generator.ts, where every `splitEvery`-th saga continues in a
 * second trace — as when an orchestrator resumes a saga after a restart, or a
 * message consumer starts a new trace. A trace-id load balancer sends the two
 * traces of such a saga to different collectors, so their summaries are
 * recomputed by two processes racing on the same saga. In half of the follow-up
 * traces the moved steps carry no saga.id (and no gid in their URL): they are
 * orphans, adopted from the follow-up root, which is emitted after them.
 */
import type { FlatSpan } from '../lib/otlp/types';
import { generateSagas } from './saga-generator';
import { seededRandom } from '../lib/random';

export interface ScaleTraffic {
  spans: FlatSpan[];
  sagas: number;
  /** Sagas whose spans are in two traces. */
  split: number;
  /** Spans sent without saga.id (to be adopted from an ancestor). */
  orphans: number;
}

export function scaleTraffic(opts: { minSpans: number; seed: number; startMs: number; splitEvery?: number }): ScaleTraffic {
  const splitEvery = opts.splitEvery ?? 4;
  const rand = seededRandom(opts.seed + 1);
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, '0');
    return out;
  };
  const generated = generateSagas({ minSpans: opts.minSpans, failRate: 0.1, seed: opts.seed, startMs: opts.startMs });
  // The generator emits each saga's spans contiguously, one trace per saga, root last.
  const bySaga: FlatSpan[][] = [];
  for (const s of generated.spans) {
    const last = bySaga[bySaga.length - 1];
    if (last && last[0]!.traceId === s.traceId) last.push(s);
    else bySaga.push([s]);
  }
  const spans: FlatSpan[] = [];
  let split = 0;
  let orphans = 0;
  bySaga.forEach((saga, i) => {
    if (i % splitEvery !== 0) return void spans.push(...saga);
    const sagaId = saga[saga.length - 1]!.attributes['saga.id'] as string;
    const compensations = saga.filter((s) => s.attributes['saga.op'] === 'compensate');
    // Failing sagas continue with their compensations, the others with their last step.
    const moved = new Set(compensations.length > 0 ? compensations : [saga[saga.length - 2]!]);
    const traceId = hex(16);
    const rootId = hex(8);
    const orphaned = (i / splitEvery) % 2 === 1;
    const follow: FlatSpan[] = [];
    for (const s of saga) {
      if (!moved.has(s)) { spans.push(s); continue; }
      const attributes = { ...s.attributes };
      if (orphaned) {
        delete attributes['saga.id'];
        attributes['url.full'] = String(attributes['url.full']).replace(/\?gid=.*$/, '');
        orphans++;
      }
      follow.push({ ...s, traceId, parentSpanId: rootId, attributes });
    }
    const start = Math.min(...follow.map((s) => s.startMs)) - 1;
    const end = Math.max(...follow.map((s) => s.endMs)) + 1;
    follow.push({
      traceId, spanId: rootId, parentSpanId: null, name: 'resume checkout', kind: 2, startMs: start, endMs: end,
      statusCode: 0, statusMessage: null,
      attributes: { 'saga.id': sagaId, 'saga.name': 'checkout', 'saga.role': 'participant' },
      resource: saga[0]!.resource, scope: 'orchestrator', events: null,
    });
    spans.push(...follow);
    split++;
  });
  return { spans, sagas: bySaga.length, split, orphans };
}
