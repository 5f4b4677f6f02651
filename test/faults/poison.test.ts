/**
 * One sender's bad data costs nobody else anything (issue 15), on the whole
 * product as `npm start` runs it (collector and UI in one process,
 * server/start.ts) against PostgreSQL.
 *
 * Poison: spans PostgreSQL cannot store as sent (a start in the year 10000,
 * times past uint64, int4 saga fields past 2^31, NUL and lone surrogates), and
 * one it refuses for a reason no validation foresees (a CHECK constraint added
 * to this database), sent at once with 150 valid requests from other senders.
 * Before: one year-10000 span failed 136 of 150 neighbours with 500. Asserted:
 * every valid request 200 and stored; the poison spans rejected alone
 * (partial_success) or stored cleaned; the CHECK culprit refused alone (400).
 *
 * Amplification: gzip'd requests that unpack to 15–60 MB of empty values
 * (JSON and protobuf; before: 71 s and 2.28 GB for one, the UI frozen), sent
 * back to back for FLOOD_MS. Asserted: each refused within 1 s, the process's
 * RSS grows ≤ 64 MiB, and the UI's /api/health answers within 100 ms at p99
 * (or, on a machine already that slow without the flood, within its idle p99
 * plus 50 ms; both are printed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { encodeProtobufRequest } from '../../lib/otlp/encode-protobuf';
import { decodeExportResponseProto } from '../../lib/otlp/response';
import type { FlatSpan } from '../../lib/otlp/types';
import { jsonWithEmptyValues, protobufWithEmptyValues } from '../support/otlp/amplified';
import { makeSpan, toOtlpJson } from '../support/spans';
import {
  createFaultDb, memoryOf, report, sagaSpans, sampleRss, sleep, startChildServer, storedCounts, type ChildCollector, type FaultDb,
} from './support';

const PORTS = { ui: 3810, http: 28010, grpc: 28011 };
const VALID_REQUESTS = 150;
// FAULTS_FLOOD_MS shortens the flood while working on this test; the documented figures are for 60 s.
const FLOOD_MS = Number(process.env.FAULTS_FLOOD_MS ?? 60_000);
const FLOOD_MAX_REQUESTS = 3_000;
const FLOOD_SENDERS = 2;
const HEALTH_EVERY_MS = 50;

let fdb: FaultDb;
let server: ChildCollector & { uiUrl: string };

beforeAll(async () => {
  fdb = await createFaultDb();
  server = await startChildServer({ DATABASE_URL: fdb.url }, PORTS);
}, 660_000);

afterAll(async () => {
  await server?.stop();
  await fdb?.drop();
});

interface Answer {
  status: number;
  ms: number;
  body: Buffer;
}

async function post(body: Uint8Array | string, type: 'json' | 'protobuf', gzip = false, timeoutMs = 60_000): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${server.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': type === 'json' ? 'application/json' : 'application/x-protobuf', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: typeof body === 'string' ? body : Buffer.from(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()), ms: performance.now() - started };
  } catch {
    return { status: 0, body: Buffer.alloc(0), ms: performance.now() - started };
  }
}

/** An OTLP/JSON request with one span's fields overridden by hand (values an encoder would not write). */
function jsonWith(spans: FlatSpan[], index: number, fields: Record<string, unknown>): string {
  const request = JSON.parse(toOtlpJson(spans));
  Object.assign(request.resourceSpans[0].scopeSpans[0].spans[index], fields);
  return JSON.stringify(request);
}

const rejectedOf = (a: Answer, type: 'json' | 'protobuf') =>
  type === 'json'
    ? Number((JSON.parse(a.body.toString()) as { partialSuccess?: { rejectedSpans?: string } }).partialSuccess?.rejectedSpans ?? 0)
    : decodeExportResponseProto(a.body).partialSuccess?.rejectedSpans ?? 0;

it('poison spans beside 150 concurrent valid requests: every valid request 200 and stored, each poison alone refused', async () => {
  // The second line of defence: a refusal only PostgreSQL knows about, inside a shared group commit.
  await fdb.query(`ALTER TABLE spans ADD CONSTRAINT poison_fault_test CHECK (name <> 'poison-check')`);

  const valid = Array.from({ length: VALID_REQUESTS }, (_, i) => sagaSpans(`valid${i}`, 2));
  const neighbour = () => makeSpan({ name: 'neighbour' });
  const [n1, n2, n3, n4, n5, n6] = Array.from({ length: 6 }, neighbour);
  const p = () => makeSpan({ name: 'poison' });
  const [y10k, past64, text, int4, utf8, check] = [p(), p(), p(), p(), p(), makeSpan({ name: 'poison-check' })];
  const poison: { name: string; type: 'json' | 'protobuf'; body: string | Uint8Array; spans: FlatSpan[]; expect: { status: number; rejected?: number; stored: FlatSpan[]; notStored: FlatSpan[] } }[] = [
    { name: 'start in the year 10000', type: 'json', body: jsonWith([n1!, y10k], 1, { startTimeUnixNano: '253402300800000000000' }), spans: [n1!, y10k], expect: { status: 200, rejected: 1, stored: [n1!], notStored: [y10k] } },
    { name: 'end past uint64, as a number', type: 'json', body: jsonWith([n2!, past64], 1, { endTimeUnixNano: 1e21 }), spans: [n2!, past64], expect: { status: 200, rejected: 1, stored: [n2!], notStored: [past64] } },
    {
      name: 'NUL and lone surrogates in text, keys and JSON', type: 'json',
      body: jsonWith([n3!, text], 1, { name: 'a\u0000b\ud800', attributes: [{ key: 'k\ud800\u0000', value: { stringValue: '\u0000\udfff' } }] }),
      spans: [n3!, text], expect: { status: 200, rejected: 0, stored: [n3!, text], notStored: [] },
    },
    {
      name: 'int4 saga fields past 2^31', type: 'protobuf',
      body: encodeProtobufRequest([n4!, { ...int4, attributes: { 'saga.step.index': 2 ** 31, 'saga.attempt': 3e9 } }]),
      spans: [n4!, int4], expect: { status: 200, rejected: 0, stored: [n4!, int4], notStored: [] },
    },
    {
      name: 'invalid UTF-8 and NUL in protobuf strings', type: 'protobuf',
      body: encodeProtobufRequest([n5!, { ...utf8, name: '\ud800\u0000', attributes: { '\udc00': '\u0000' }, statusMessage: '\ud83d' }]),
      spans: [n5!, utf8], expect: { status: 200, rejected: 0, stored: [n5!, utf8], notStored: [] },
    },
    { name: 'a CHECK violation (no validation foresees it)', type: 'json', body: toOtlpJson([n6!, check]), spans: [n6!, check], expect: { status: 400, stored: [], notStored: [n6!, check] } },
  ];

  // Poison spread among the valid requests, all in flight together.
  const sends: Promise<{ kind: 'valid' | 'poison'; i: number; a: Answer }>[] = [];
  const t0 = performance.now();
  valid.forEach((spans, i) => {
    sends.push(post(i % 2 ? toOtlpJson(spans) : encodeProtobufRequest(spans), i % 2 ? 'json' : 'protobuf').then((a) => ({ kind: 'valid' as const, i, a })));
    if (i % 25 === 12) {
      const k = (i - 12) / 25;
      sends.push(post(poison[k]!.body, poison[k]!.type).then((a) => ({ kind: 'poison' as const, i: k, a })));
    }
  });
  const answers = await Promise.all(sends);
  const tookMs = performance.now() - t0;

  const validStatuses = new Map<number, number>();
  for (const { kind, a } of answers) if (kind === 'valid') validStatuses.set(a.status, (validStatuses.get(a.status) ?? 0) + 1);
  const stored = await storedCounts(fdb, [...valid.flat(), ...poison.flatMap((x) => x.spans)]);
  const validStored = valid.flat().filter((s) => stored.get(`${s.traceId}:${s.spanId}`) === 1).length;
  const poisonOutcomes = answers.filter((x) => x.kind === 'poison').map(({ i, a }) => ({ poison: poison[i]!.name, status: a.status, ms: Math.round(a.ms) }));
  const splits = Number(/^sagascope_ingest_batch_splits_total (\d+)$/m.exec(await (await fetch(`${server.httpUrl}/metrics`)).text())?.[1]);
  report('poison', {
    validRequests: VALID_REQUESTS, validStatuses: Object.fromEntries(validStatuses), validSpansStored: `${validStored}/${valid.flat().length}`,
    poison: poisonOutcomes, batchSplits: splits, tookMs: Math.round(tookMs),
  });

  expect(Object.fromEntries(validStatuses)).toEqual({ 200: VALID_REQUESTS });
  expect(validStored).toBe(valid.flat().length);
  for (const { kind, i, a } of answers) {
    if (kind !== 'poison') continue;
    const x = poison[i]!;
    expect({ poison: x.name, status: a.status }).toEqual({ poison: x.name, status: x.expect.status });
    if (x.expect.rejected !== undefined) expect(rejectedOf(a, x.type), x.name).toBe(x.expect.rejected);
    for (const s of x.expect.stored) expect(stored.get(`${s.traceId}:${s.spanId}`), `${x.name}: ${s.name} stored`).toBe(1);
    for (const s of x.expect.notStored) expect(stored.has(`${s.traceId}:${s.spanId}`), `${x.name}: ${s.name} not stored`).toBe(false);
  }
  // What was stored of the poison is what PostgreSQL can hold: cleaned text, out-of-range int4 as null.
  const [row] = await fdb.query<{ step_index: number | null; attempt: number | null }>(`SELECT step_index, attempt FROM spans WHERE span_id = $1`, [int4.spanId]);
  expect(row).toEqual({ step_index: null, attempt: null });
  const [cleaned] = await fdb.query<{ name: string }>(`SELECT name FROM spans WHERE span_id = $1`, [text.spanId]);
  expect(cleaned!.name).toBe('a\ufffdb\ufffd');
  await fdb.query(`ALTER TABLE spans DROP CONSTRAINT poison_fault_test`);
}, 300_000);

it('amplified JSON and protobuf requests: each refused within 1 s, RSS growth ≤ 64 MiB, /api/health p99 ≤ 100 ms', async () => {
  const bombs = [
    { name: 'json 20 M values (60 MB unpacked)', type: 'json' as const, body: zlib.gzipSync(jsonWithEmptyValues(20_000_000)), expect: 400 },
    { name: 'json 5 M values (15 MB unpacked)', type: 'json' as const, body: zlib.gzipSync(jsonWithEmptyValues(5_000_000)), expect: 400 },
    { name: 'protobuf 30 M values (60 MB unpacked)', type: 'protobuf' as const, body: zlib.gzipSync(protobufWithEmptyValues(30_000_000)), expect: 413 },
    { name: 'protobuf 5 M values (10 MB unpacked)', type: 'protobuf' as const, body: zlib.gzipSync(protobufWithEmptyValues(5_000_000)), expect: 400 },
  ];
  const sizes = Object.fromEntries(bombs.map((b) => [b.name, `${(b.body.length / 1024).toFixed(0)} KB gzip'd`]));

  const health: number[] = [];
  let healthFailures = 0;
  const failureReasons: string[] = [];
  let polling = true;
  const pollHealth = async (into: number[]) => {
    while (polling) {
      const t = performance.now();
      let failed: string | null = null;
      try {
        const res = await fetch(`${server.uiUrl}/api/health`, { signal: AbortSignal.timeout(5_000) });
        const body = Buffer.from(await res.arrayBuffer()).toString('utf8');
        if (res.status !== 200) failed = `HTTP ${res.status} ${body.slice(0, 200)}`;
      } catch (err) {
        failed = err instanceof Error ? err.message : String(err);
      }
      // A probe that did not answer 200 counts as an answer that never came: it lands above the p99
      // mark, so the p99 bound below allows at most 1 in 100 of them, and says why each happened.
      if (failed !== null) {
        healthFailures++;
        failureReasons.push(failed);
      }
      into.push(failed !== null && into === health ? Number.POSITIVE_INFINITY : performance.now() - t);
      await sleep(HEALTH_EVERY_MS);
    }
  };
  // The machine's own answer time, without the flood (other work shares these cores).
  const idle: number[] = [];
  const idlePoller = pollHealth(idle);
  await sleep(5_000);
  polling = false;
  await idlePoller;

  // Warm up: the first of each allocates the worker's buffers once; growth is measured from there.
  for (const b of bombs) await post(b.body, b.type, true);
  await sleep(1_000);
  const before = memoryOf(server.pid)!;
  const rss = sampleRss(server.pid, 100);
  polling = true;
  const poller = pollHealth(health);

  const byBomb = new Map<string, { n: number; statuses: Record<number, number>; worstMs: number; totalMs: number }>(bombs.map((b) => [b.name, { n: 0, statuses: {}, worstMs: 0, totalMs: 0 }]));
  let sent = 0;
  const floodStart = performance.now();
  await Promise.all(
    Array.from({ length: FLOOD_SENDERS }, async (_, sender) => {
      for (let k = sender; performance.now() - floodStart < FLOOD_MS && sent < FLOOD_MAX_REQUESTS; k++) {
        sent++;
        const b = bombs[k % bombs.length]!;
        const a = await post(b.body, b.type, true, 30_000);
        const t = byBomb.get(b.name)!;
        t.n++;
        t.statuses[a.status] = (t.statuses[a.status] ?? 0) + 1;
        t.worstMs = Math.max(t.worstMs, a.ms);
        t.totalMs += a.ms;
      }
    }),
  );
  const floodMs = performance.now() - floodStart;
  polling = false;
  await poller;
  const mem = rss.stop();

  const percentile = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  };
  const pct = (p: number) => percentile(health, p);
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const budgets = Object.fromEntries([...metrics.matchAll(/^sagascope_decode_budget_exceeded_total\{budget="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  report('amplification', {
    floodSeconds: Math.round(floodMs / 1000), requests: sent, sizes,
    byBomb: Object.fromEntries([...byBomb].map(([name, t]) => [name, { n: t.n, statuses: t.statuses, worstMs: Math.round(t.worstMs), meanMs: Math.round(t.totalMs / Math.max(1, t.n)) }])),
    healthIdle: { n: idle.length, p50: Math.round(percentile(idle, 50)), p99: Math.round(percentile(idle, 99)) },
    health: { n: health.length, p50: Math.round(pct(50)), p99: Math.round(pct(99)), max: Math.round(pct(100)), failures: healthFailures, failureReasons },
    rssMiB: { before: Math.round(before.rssMiB), peak: Math.round(mem.peakMiB), growth: Math.round(mem.peakMiB - before.rssMiB) },
    budgetsExceeded: budgets,
  });

  for (const b of bombs) {
    const t = byBomb.get(b.name)!;
    expect(t.n, b.name).toBeGreaterThan(0);
    expect(t.statuses, b.name).toEqual({ [b.expect]: t.n });
    expect(t.worstMs, `${b.name}: slowest refusal`).toBeLessThan(1_000);
  }
  // Every probe failure is also a sample above the p99 mark (see pollHealth).
  expect(healthFailures, failureReasons.join('; ')).toBeLessThanOrEqual(Math.floor(health.length / 100));
  // The target is 100 ms. On the shared 2-core development machine /api/health alone, with no
  // flood, measured p99 50–190 ms between runs (healthIdle above): the bound allows the idle p99
  // plus 50 ms when the machine is that busy. Before issue 15 one such request held it 5.7 s.
  expect(pct(99)).toBeLessThanOrEqual(Math.max(100, percentile(idle, 99) + 50));
  expect(mem.peakMiB - before.rssMiB).toBeLessThanOrEqual(64);
  expect(budgets.bytes).toBeGreaterThan(0);
  expect(budgets.list_values).toBeGreaterThan(0);

  // Still taking spans afterwards.
  const after = sagaSpans(`after-${randomBytes(3).toString('hex')}`, 2);
  expect((await post(encodeProtobufRequest(after), 'protobuf')).status).toBe(200);
  const stored = await storedCounts(fdb, after);
  expect(stored.size).toBe(after.length);
}, FLOOD_MS + 240_000);
