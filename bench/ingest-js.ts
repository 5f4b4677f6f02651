/**
 * `npm run bench:ingest:js`: the collector's JavaScript work per span, without
 * gRPC or the database, in this process: protobuf decode → span rows → COPY
 * text → saga model → rollup contribution and delta → statement parameters (summaries and rollup appends).
 * Reports CPU µs per span for each stage (median of BENCH_ROUNDS rounds), so a
 * change to one stage can be judged on a busy machine. The same requests and
 * batch sizes as `npm run bench:ingest` (1,000-span requests, 5,000-span batches).
 *
 *   BENCH_SPANS (100000)  BENCH_ROUNDS (5)
 */
import { benchRequests } from './support/requests';
import { decodeProtobufRequest } from '../lib/otlp/decode-protobuf';
import { toSpanRows, type SpanRow } from '../lib/ingest/span-row';
import { inheritSagaIds } from '../lib/ingest/inherit-saga-ids';
import { groupBySaga, spanCopyLine } from '../lib/ingest/span-writer';
import { copyChunks } from '../lib/db/copy-chunks';
import { buildSaga } from '../lib/saga/model';
import { modelConfig } from '../lib/saga/config';
import { contributionOf, decodeContribution, encodeContribution } from '../lib/stats/contribution';
import { RollupDelta } from '../lib/stats/delta';
import { summaryParameters } from '../lib/ingest/summary-writer';
import { rollupParameters } from '../lib/stats/rollup-writer';

const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUEST = 1_000;
const BATCH = 5_000;

const { spans, requests } = benchRequests(SPANS, REQUEST);

const stages = ['decode', 'rows', 'copy text', 'model', 'rollups', 'parameters'] as const;
type Stage = (typeof stages)[number];

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function round(): Record<Stage, number> {
  const t: Record<Stage, number> = { decode: 0, rows: 0, 'copy text': 0, model: 0, rollups: 0, parameters: 0 };
  let c = cpuMicros();
  const lap = (stage: Stage) => {
    const now = cpuMicros();
    t[stage] += now - c;
    c = now;
  };
  let pending: SpanRow[] = [];
  const flush = () => {
    const rows = inheritSagaIds(pending);
    pending = [];
    let bytes = 0;
    for (const chunk of copyChunks(rows, spanCopyLine)) bytes += chunk.length;
    lap('copy text');
    const now = Date.now();
    const cfg = modelConfig({ nowMs: now });
    const bySaga = groupBySaga(rows, now); // what the writer models from
    const sagas = [];
    const built = [];
    for (const [id, list] of bySaga) {
      const saga = buildSaga(id, list, cfg);
      sagas.push(saga);
      built.push(list);
    }
    lap('model');
    const delta = new RollupDelta();
    const encoded: string[] = [];
    for (let i = 0; i < sagas.length; i++) {
      const contribution = contributionOf(sagas[i]!, built[i]!);
      delta.change(decodeContribution(null), contribution);
      encoded.push(encodeContribution(contribution));
    }
    delta.rows();
    lap('rollups');
    // The statement parameters exactly as the writer builds them.
    const summaries = summaryParameters(sagas, now, encoded);
    const rollups = rollupParameters(delta);
    const literals = [...summaries, ...(rollups.counts ?? []), ...(rollups.latency ?? [])];
    lap('parameters');
    return bytes + literals.length;
  };
  for (const body of requests) {
    const decoded = decodeProtobufRequest(body);
    lap('decode');
    pending.push(...toSpanRows(decoded.spans));
    lap('rows');
    if (pending.length >= BATCH) flush();
  }
  if (pending.length > 0) flush();
  return t;
}

const results = Array.from({ length: ROUNDS }, round);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let total = 0;
console.log(`${spans} spans, ${requests.length} requests, ${ROUNDS} rounds; CPU µs per span (median round):`);
for (const stage of stages) {
  const us = median(results.map((r) => r[stage])) / spans;
  total += us;
  console.log(`  ${stage.padEnd(12)} ${us.toFixed(2)}`);
}
console.log(`  ${'total'.padEnd(12)} ${total.toFixed(2)}  (one core: ${Math.round(1e6 / total).toLocaleString('en-US')} spans/s)`);
