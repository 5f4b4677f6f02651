/**
 * Rows encoded on an ingest worker (lib/ingest/copy-block.ts, ADR 0014) store
 * exactly what full rows store: the same traffic written as full rows into one
 * database and as lean rows + COPY blocks into another, through the direct
 * COPY, the staging path of a re-sent batch, and saga ids filled in by
 * in-batch inheritance (children in one request, their parent in the next).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan } from '../support/spans';
import { toSpanRows, type SpanRow } from '../../lib/ingest/span-row';
import { encodeCopyBlock, keyLinesOf } from '../../lib/ingest/copy-block';
import { inheritSagaIds } from '../../lib/ingest/inherit-saga-ids';
import { writeSpanBatch } from '../../lib/ingest/span-writer';
import { modelConfigFrom } from '../../lib/config/model';
import type { FlatSpan } from '../../lib/otlp/types';

let full: TestEnv;
let encoded: TestEnv;
beforeAll(async () => {
  const quiet = { SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS: '3600000', SAGASCOPE_TRANSITION_INTERVAL_MS: '3600000' };
  [full, encoded] = await Promise.all([startTestEnv(quiet), startTestEnv(quiet)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([full?.close(), encoded?.close()]);
});

const hostile = 'tab\there\nnew line\r\\back\\slash "quote" \\N é 𝄞';
const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** Per saga: a coordinator span naming the saga, and children that do not (they inherit it). */
function traffic(sagas: number): { parents: FlatSpan[]; children: FlatSpan[] } {
  const parents: FlatSpan[] = [];
  const children: FlatSpan[] = [];
  for (let i = 0; i < sagas; i++) {
    const traceId = hex(16);
    const root = makeSpan({
      traceId, service: hostile, name: `saga ${hostile}`, startMs: t0 + i, endMs: t0 + i + 50, scope: hostile,
      attributes: { 'saga.id': `enc-${i}-${hostile}`, 'saga.name': 'checkout', 'saga.role': 'coordinator', 'order.id': `o-${i}` },
    });
    parents.push(root);
    for (let s = 0; s < 3; s++) {
      children.push(makeSpan({
        traceId, parentSpanId: root.spanId, service: 'inventory', name: `step ${s}`, startMs: t0 + i + 1 + s, endMs: t0 + i + 2 + s,
        statusCode: s === 2 && i % 3 === 0 ? 2 : 0, statusMessage: s === 2 ? hostile : null,
        // A child's keys stay on its row (it names no saga when decoded) and join the saga it inherits.
        attributes: { note: hostile, nested: { a: [hostile, s] }, ...(s === 1 ? { 'payment.id': `p-${i}-${hostile}` } : {}) },
        events: [{ name: hostile, timeMs: t0 + i + 1, attributes: { k: hostile } }],
      }));
    }
  }
  return { parents, children };
}

const SPANS_SQL = `SELECT trace_id, span_id, parent_span_id, saga_id, service, name, kind, start_time, end_time, duration_ms,
         status_code, status_message, saga_name, protocol, role, step, step_index, branch_id, op, attempt, result,
         action_url, compensate_url, idempotency_key, zero_code, scope, attributes, resource_id, events, trigger
    FROM spans ORDER BY trace_id, span_id`;
const SAGAS_SQL = `SELECT id, name, status, span_count, step_count, services, trace_ids, failed_step, rollup FROM sagas ORDER BY id`;

describe('rows encoded on an ingest worker, stored', () => {
  it('store the same spans, resources, summaries and keys as full rows, re-sends included', async () => {
    const { parents, children } = traffic(30);
    const extra = traffic(5);
    const write = async (env: TestEnv, asBlocks: boolean, requests: FlatSpan[][]) => {
      const rows: SpanRow[] = requests.flatMap((spans) => (asBlocks ? encodeCopyBlock(toSpanRows(spans)).rows : toSpanRows(spans)));
      const cfg = (nowMs: number) => modelConfigFrom(env.config, nowMs);
      return writeSpanBatch(env.db, inheritSagaIds(rows), cfg, { maxSagaSpans: env.config.SAGASCOPE_MAX_SAGA_SPANS });
    };
    // Later spans of stored sagas that name them, with new keys and a repeated one, in two requests
    // (two blocks): the keys of stored sagas go through INSERT … WHERE NOT EXISTS.
    const laterSpans = (from: number) => parents.slice(from, from + 5).map((p, i) => makeSpan({
      traceId: p.traceId, parentSpanId: p.spanId, service: 'ledger', name: 'post', startMs: t0 + 100 + i, endMs: t0 + 101 + i,
      attributes: { 'saga.id': p.attributes['saga.id']!, 'saga.key.ledger': `L-${from + i}`, 'order.id': p.attributes['order.id']! },
    }));
    const later = [laterSpans(0), laterSpans(0)];
    for (const [env, asBlocks] of [[full, false], [encoded, true]] as const) {
      // Children first, their parents in the next request of the same batch: saga ids are filled in before the COPY.
      expect((await write(env, asBlocks, [children, parents])).stored).toBe(children.length + parents.length);
      // A re-sent batch with new spans in it: the staging path picks the new ones.
      expect((await write(env, asBlocks, [[...extra.children, ...children.slice(0, 10)], extra.parents])).stored).toBe(extra.children.length + extra.parents.length);
      expect((await write(env, asBlocks, later)).stored).toBe(10);
    }
    const [a, b] = [full, encoded];
    expect(await b.db.query(SPANS_SQL)).toEqual(await a.db.query(SPANS_SQL));
    expect(await b.db.query(SAGAS_SQL)).toEqual(await a.db.query(SAGAS_SQL));
    expect(await b.db.query('SELECT id, attributes FROM resources ORDER BY id')).toEqual(await a.db.query('SELECT id, attributes FROM resources ORDER BY id'));
    const KEYS_SQL = 'SELECT saga_id, n AS name, value FROM saga_keys, unnest(names::text[]) AS n ORDER BY 1, 2, 3';
    const keys = await a.db.query<{ name: string }>(KEYS_SQL);
    expect(await b.db.query(KEYS_SQL)).toEqual(keys);
    // order.id and payment.id of the 30 sagas (the 5 extra reuse the first 5 ids and values), ledger of 5, each once.
    expect(keys.map((k) => k.name).sort()).toEqual([...Array(30).fill('order.id'), ...Array(30).fill('payment.id'), ...Array(5).fill('ledger')].sort());
    const [{ inherited }] = await b.db.query<{ inherited: number }>(`SELECT count(*)::int AS inherited FROM spans WHERE saga_id IS NOT NULL AND name LIKE 'step %'`);
    expect(inherited).toBe(children.length + extra.children.length);
  });

  it('keeps the keys whose lines sit in the block of a span dropped as a duplicate in the same batch', async () => {
    // Request A: span X of saga S. Request B, in two blocks: X again (S's first row in B, so B's
    // lines of S go into X's block), then Y of S with a key of its own. The batch keeps A's X.
    const traceId = hex(16);
    const x = makeSpan({ traceId, startMs: t0, endMs: t0 + 5, attributes: { 'saga.id': 'dup-lines', 'order.id': 'ORD-X' } });
    const y = makeSpan({ traceId, parentSpanId: x.spanId, startMs: t0 + 1, endMs: t0 + 2, attributes: { 'saga.id': 'dup-lines', 'payment.id': 'PAY-Y' } });
    const a = encodeCopyBlock(toSpanRows([x])).rows;
    const bRows = toSpanRows([x, y]);
    const keys = keyLinesOf(bRows);
    const b = [...encodeCopyBlock(bRows.slice(0, 1), keys).rows, ...encodeCopyBlock(bRows.slice(1), keys).rows];
    expect([...b[1]!.block!.keyLine]).toEqual([-1]); // Y's block holds no lines: they are in X's
    expect([...b[0]!.block!.keyLine]).toEqual([0]);
    const cfg = (nowMs: number) => modelConfigFrom(encoded.config, nowMs);
    expect((await writeSpanBatch(encoded.db, [...a, ...b], cfg, { maxSagaSpans: encoded.config.SAGASCOPE_MAX_SAGA_SPANS })).stored).toBe(2);
    expect(await encoded.db.query(`SELECT n AS name, value FROM saga_keys, unnest(names::text[]) AS n WHERE saga_id = 'dup-lines' ORDER BY name`)).toEqual([
      { name: 'order.id', value: 'ord-x' }, { name: 'payment.id', value: 'pay-y' },
    ]);
  });
});
