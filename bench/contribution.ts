/**
 * Cost of rollup maintenance in the ingest path's JavaScript: the model
 * (buildSaga), the rollup contribution, its encoding and the batch delta, per
 * saga of generated traffic. `npx tsx bench/contribution.ts`.
 */
import { generateSagas } from './saga-generator';
import { toSpanRows } from '../lib/ingest/span-row';
import { buildSaga } from '../lib/saga/model';
import { modelConfig } from '../lib/saga/config';
import { contributionOf, encodeContribution, decodeContribution } from '../lib/stats/contribution';
import { RollupDelta } from '../lib/stats/delta';
import type { SagaSpan } from '../lib/saga/types';

const { spans } = generateSagas({ minSpans: 60_000, failRate: 0.1 });
const rows = toSpanRows(spans);
const bySaga = new Map<string, SagaSpan[]>();
for (const r of rows) {
  if (!r.sagaId) continue;
  const s = { ...r, receivedMs: r.endMs } as unknown as SagaSpan;
  (bySaga.get(r.sagaId) ?? bySaga.set(r.sagaId, []).get(r.sagaId)!).push(s);
}
const cfg = modelConfig({ nowMs: Date.now() });
const time = (label: string, fn: () => void) => {
  for (let i = 0; i < 2; i++) fn(); // warm up
  const t = performance.now();
  const N = 5;
  for (let i = 0; i < N; i++) fn();
  const ms = (performance.now() - t) / N;
  console.log(`${label.padEnd(34)} ${(ms * 1000 / bySaga.size).toFixed(1).padStart(7)} µs/saga  (${(ms * 1000 / rows.length).toFixed(2)} µs/span)`);
};
const sagas = [...bySaga].map(([id, s]) => buildSaga(id, s, cfg));
const contributions = sagas.map((s) => contributionOf(s, bySaga.get(s.id)!));
const encoded = contributions.map(encodeContribution);
console.log(`${rows.length} spans, ${bySaga.size} sagas; encoded contribution: ${Math.round(encoded.reduce((n, e) => n + e.length, 0) / encoded.length)} bytes/saga`);
time('buildSaga', () => { for (const [id, s] of bySaga) buildSaga(id, s, cfg); });
time('contributionOf', () => { sagas.forEach((s) => contributionOf(s, bySaga.get(s.id)!)); });
time('encodeContribution', () => { contributions.forEach(encodeContribution); });
time('decodeContribution', () => { encoded.forEach(decodeContribution); });
time('RollupDelta.change (new saga)', () => {
  const d = new RollupDelta();
  contributions.forEach((c) => d.change(null, c));
  d.rows();
});
time('RollupDelta.change (unchanged saga)', () => {
  const d = new RollupDelta();
  contributions.forEach((c) => d.change(c, c));
});
