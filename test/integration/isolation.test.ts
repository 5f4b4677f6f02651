/**
 * One sender's bad data costs nobody else anything (issue 15, DESIGN.md §6),
 * against the running collector and real PostgreSQL:
 * - the year-10000 span that PostgreSQL refused (22009), failing every request
 *   of its group commit, is rejected alone while decoding (partial_success);
 * - a data error that no validation foresees — forced here with a CHECK
 *   constraint added to this scratch database — fails only the request that
 *   carries it (400 / INVALID_ARGUMENT), while the requests that shared its
 *   transaction are written apart and stored.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEnv, type TestEnv } from './harness';
import { hex, makeSpan, toOtlpJson } from '../support/spans';
import type { FlatSpan } from '../../lib/otlp/types';

let env: TestEnv;

beforeAll(async () => {
  // One writer: concurrent requests queue behind it and are grouped into shared transactions.
  env = await startTestEnv({ SAGASCOPE_INGEST_WRITERS: '1' });
});
afterAll(async () => {
  await env?.close();
});

const post = (body: string) =>
  fetch(`${env.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function stored(spans: readonly FlatSpan[]): Promise<Set<string>> {
  const rows = await env.db.query<{ span_id: string }>(`SELECT span_id FROM spans WHERE span_id = ANY($1::text[])`, [spans.map((s) => s.spanId)]);
  return new Set(rows.map((r) => r.span_id));
}

const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(await (await fetch(`${env.httpUrl}/metrics`)).text())?.[1]);

it('a span in the year 10000 is rejected alone; its neighbour in the same request is stored', async () => {
  const traceId = hex(16);
  const good = makeSpan({ traceId });
  const poison = makeSpan({ traceId });
  const request = JSON.parse(toOtlpJson([good, poison]));
  request.resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano = '253402300800000000000';
  const res = await post(JSON.stringify(request));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/span 1: startTimeUnixNano must be an unsigned 64-bit integer/) },
  });
  expect(await stored([good, poison])).toEqual(new Set([good.spanId]));
});

it('a data error no validation foresees fails only its own request: neighbours in the same transaction are stored', async () => {
  // A CHECK the decoders know nothing about: PostgreSQL refuses the row (23514) inside the group commit.
  await env.db.query(`ALTER TABLE spans ADD CONSTRAINT isolation_test_poison CHECK (name <> 'poison-check')`);
  try {
    const splitsBefore = await metric('sagascope_ingest_batch_splits_total');
    const requests = Array.from({ length: 40 }, (_, i) => {
      const traceId = hex(16);
      return [makeSpan({ traceId, name: i === 23 ? 'poison-check' : 'fine' }), makeSpan({ traceId })];
    });
    const answers = await Promise.all(requests.map(async (spans) => {
      const res = await post(toOtlpJson(spans));
      return { status: res.status, body: await res.text() };
    }));
    answers.forEach((a, i) => {
      if (i === 23) {
        expect(a.status).toBe(400);
        expect(JSON.parse(a.body)).toMatchObject({ code: 3, message: expect.stringMatching(/SQLSTATE 23514.*isolation_test_poison/) });
      } else expect(a, `request ${i}`).toEqual({ status: 200, body: '{}' });
    });
    const all = requests.flat();
    const kept = await stored(all);
    expect(kept.size).toBe(all.length - 2); // the culprit's two spans, nothing else
    for (const s of requests[23]!) expect(kept.has(s.spanId)).toBe(false);
    // Grouped into a shared transaction and split: otherwise the test proved nothing about neighbours.
    expect(await metric('sagascope_ingest_batch_splits_total')).toBeGreaterThan(splitsBefore);
  } finally {
    await env.db.query(`ALTER TABLE spans DROP CONSTRAINT isolation_test_poison`);
  }
});
