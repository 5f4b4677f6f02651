/**
 * `npm run bench:model`: how long the saga model takes on large and on typical
 * inputs (the collector runs it for every saga an ingest batch touches; the
 * detail page runs it on read).
 */
import { buildSaga } from '../lib/saga/model';
import { largeSaga, lastEnd, sagaSpans, scenario } from '../test/support/saga-fixtures';
import { modelConfig } from '../lib/saga/config';
import type { SagaSpan } from '../lib/saga/types';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(label: string, spans: readonly SagaSpan[], runs = 5): void {
  const cfg = modelConfig({ nowMs: lastEnd(spans) + 1000 });
  buildSaga('warm-up', spans, cfg);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    buildSaga('big', spans, cfg);
    ms.push(performance.now() - t0);
  }
  console.log(`${label.padEnd(58)} median ${median(ms).toFixed(0).padStart(5)} ms  (min ${Math.min(...ms).toFixed(0)}, max ${Math.max(...ms).toFixed(0)})`);
}

time('50,000 spans, 25,000 steps, compensated', largeSaga(25_000));
time('50,000 spans on both sides, same start instant', largeSaga(12_500, { bothSides: true, sameStart: true }));
const retried = sagaSpans({ steps: ['a'] });
for (let i = 0; i < 50_000; i++) retried.action('a', { at: i, dur: 1, fail: true });
time('one step retried 50,000 times', retried.build());
const chain = sagaSpans({ steps: ['a'] });
for (let i = 0; i < 50_000; i++) {
  const parent = i === 0 ? null : chain.lastSpanId;
  if (i % 2 === 0) chain.action('a', { at: i, dur: 1, parent });
  else chain.plain({ at: i, dur: 1, parent });
}
time('50,000 nested spans (deep parent chain)', chain.build());

const batch = Array.from({ length: 500 }, (_, i) => scenario({ sagaId: `g${i}`, bothSides: i % 2 === 0, failAt: i % 3 === 0 ? 'ship' : null }));
const cfg = modelConfig({ nowMs: Date.now() });
const ms: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (const spans of batch) buildSaga(spans[0]!.sagaId!, spans, cfg);
  ms.push(performance.now() - t0);
}
console.log(`${'ingest batch: 500 sagas of ~10 spans'.padEnd(58)} median ${median(ms).toFixed(0).padStart(5)} ms`);
