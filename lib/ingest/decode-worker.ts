/**
 * An ingest worker thread (lib/ingest/decode-pool.ts): unpacks and decodes one
 * request at a time, off the main thread, and hands the span rows back in
 * chunks, at most CHUNKS_AHEAD ahead of the main thread, which takes each in
 * its own turn of the event loop. One request at a time also bounds memory:
 * a worker holds at most one unpacked body. For a database with COPY
 * (`setup.encode`) it also builds each chunk's COPY text, sent as a transferred
 * buffer beside lean rows (lib/ingest/copy-block.ts, ADR 0014).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeErrorToExport, decodeRequestRows } from './decode-rows';
import { inflateSync, inflateWatching } from './inflate';
import { JsonBudgetScanner } from '../otlp/json-budget-scan';
import { ExportError } from './errors';
import { log, errorFields } from '../log';
import type { SpanRow } from './span-row';
import { encodeCopyBlock } from './copy-block';
import type { KeyLines } from '../search/key-writer';
import type { FromWorker, ToWorker, WorkerSetup } from './decode-pool';

const setup = workerData as WorkerSetup;
const port = parentPort!;

/**
 * Decoding is background work: when the cores are short, the main thread (the
 * UI, the collector's sockets and database writes) should run first. Linux
 * keeps a nice value per thread, so this thread alone is lowered; elsewhere
 * (no /proc/thread-self) it keeps the process's priority.
 */
const DECODE_THREAD_NICE = 10;
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.max(os.getPriority(tid), DECODE_THREAD_NICE));
} catch {
  // not Linux, or not allowed: same priority as the main thread
}

/** Rows per chunk, and characters of JSON text per chunk: the main thread takes one chunk per turn (~1 ms). */
const CHUNK_ROWS = 256;
const CHUNK_CHARS = 512 * 1024;
const CHUNKS_AHEAD = 2;

/**
 * Unpacked bodies are ArrayBuffers outside the JS heap, and V8 collects them
 * only once some 64 MB of them have piled up: a flood of bodies refused over a
 * budget grew the process by ~90 MiB that way (test/faults/poison). So once
 * RECLAIM_BYTES have passed through since the last time, this thread asks for
 * a full collection, run concurrently (a synchronous one held this thread for
 * up to ~100 ms on the busy 2-core machine; a young-generation one freed too
 * little: the buffers are often promoted while they are being filled). The
 * flag only puts `gc` into contexts made from now on.
 */
const RECLAIM_BYTES = 8 * 1024 * 1024;
v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as ((options: { type: 'major'; execution: 'async' }) => Promise<void>) | undefined;
let bytesSinceCollect = 0;
let collecting = false;

function reclaim(bytes: number): void {
  bytesSinceCollect += bytes;
  if (bytesSinceCollect < RECLAIM_BYTES || !collect || collecting) return;
  bytesSinceCollect = 0;
  collecting = true;
  void collect({ type: 'major', execution: 'async' }).finally(() => (collecting = false));
}

const jobs: Extract<ToWorker, { type: 'decode' }>[] = [];
/** Chunks the main thread is ready to take: each sent one uses one, each 'more' gives one back. */
let credits = CHUNKS_AHEAD;
let wake: (() => void) | null = null;
let running = false;

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'decode') {
    jobs.push(msg);
    if (!running) void run();
  } else {
    credits++;
    wake?.();
  }
});

const send = (msg: FromWorker) => port.postMessage(msg);

async function sendRows(id: number, rows: SpanRow[], keys: KeyLines | undefined): Promise<void> {
  // The request's business keys (collected as its rows were made), each once: each saga's lines go with the chunk of its first row.
  let from = 0;
  while (from < rows.length) {
    let to = from;
    let chars = 0;
    while (to < rows.length && to - from < CHUNK_ROWS && chars < CHUNK_CHARS) {
      chars += rows[to]!.attributesJson.length + (rows[to]!.eventsJson?.length ?? 0);
      to++;
    }
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = null;
    credits--;
    if (setup.encode) {
      const { rows: lean, block, transfer } = encodeCopyBlock(rows.slice(from, to), keys);
      port.postMessage({ type: 'rows', id, rows: lean } satisfies FromWorker, [transfer, block.starts.buffer as ArrayBuffer, block.sagaAt.buffer as ArrayBuffer, block.keyStarts.buffer as ArrayBuffer, block.keyLine.buffer as ArrayBuffer]);
    } else send({ type: 'rows', id, rows: rows.slice(from, to) });
    from = to;
  }
}

/**
 * JSON is scanned against the decode budgets while it is unpacked, and refused
 * at the first value over one; protobuf is unpacked here, on this low-priority
 * thread, in one go (its budgets are counted as it is decoded).
 */
function unpack(job: Extract<ToWorker, { type: 'decode' }>): Promise<Uint8Array> | Uint8Array {
  if (job.encoding !== 'json' || job.contentEncoding === 'identity') return inflateSync(job.body, job.contentEncoding, setup.maxBytes);
  const scanner = new JsonBudgetScanner(setup.limits);
  return inflateWatching(job.body, job.contentEncoding, setup.maxBytes, (piece) => scanner.write(piece));
}

async function run(): Promise<void> {
  running = true;
  while (jobs.length > 0) {
    const job = jobs.shift()!;
    // Memory this request touched outside the heap: its body, and what was unpacked of it.
    let external = job.body.byteLength;
    try {
      let body: Uint8Array;
      try {
        body = await unpack(job);
      } catch (err) {
        if (err instanceof ExportError && err.budget === 'bytes') external += setup.maxBytes; // unpacked up to the budget
        throw decodeErrorToExport(err);
      }
      if (body !== job.body) external += 2 * body.byteLength; // the pieces, and the whole they were joined into
      const { rows, keyLines, ...counts } = decodeRequestRows(body, job.encoding, setup.limits, setup.encode);
      await sendRows(job.id, rows, keyLines);
      send({ type: 'done', id: job.id, ...counts });
    } catch (err) {
      const e = err instanceof ExportError ? err : new ExportError('internal', 'internal error');
      if (!(err instanceof ExportError)) log.error('decode worker: unexpected error', errorFields(err));
      send({ type: 'error', id: job.id, kind: e.kind, message: e.message, budget: e.budget });
    }
    reclaim(external);
  }
  running = false;
}
