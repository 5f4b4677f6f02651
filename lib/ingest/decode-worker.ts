/**
 * A decode worker thread (lib/ingest/decode-pool.ts): unpacks and decodes one
 * request at a time, off the main thread, and hands the span rows back in
 * chunks, at most CHUNKS_AHEAD ahead of the main thread, which takes each in
 * its own turn of the event loop. One request at a time also bounds memory:
 * a worker holds at most one unpacked body.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRequestRows } from './decode-rows';
import { inflateSync } from './inflate';
import { ExportError } from './errors';
import { log, errorFields } from '../log';
import type { SpanRow } from './span-row';
import type { FromWorker, ToWorker, WorkerSetup } from './decode-pool';

const setup = workerData as WorkerSetup;
const port = parentPort!;

/** Rows per chunk, and characters of JSON text per chunk: the main thread takes one chunk per turn (~1 ms). */
const CHUNK_ROWS = 256;
const CHUNK_CHARS = 512 * 1024;
const CHUNKS_AHEAD = 2;

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

async function sendRows(id: number, rows: SpanRow[]): Promise<void> {
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
    send({ type: 'rows', id, rows: rows.slice(from, to) });
    from = to;
  }
}

async function run(): Promise<void> {
  running = true;
  while (jobs.length > 0) {
    const job = jobs.shift()!;
    try {
      const body = inflateSync(job.body, job.contentEncoding, setup.maxBytes);
      const { rows, ...counts } = decodeRequestRows(body, job.encoding, setup.limits);
      await sendRows(job.id, rows);
      send({ type: 'done', id: job.id, ...counts });
    } catch (err) {
      const e = err instanceof ExportError ? err : new ExportError('internal', 'internal error');
      if (!(err instanceof ExportError)) log.error('decode worker: unexpected error', errorFields(err));
      send({ type: 'error', id: job.id, kind: e.kind, message: e.message, budget: e.budget });
    }
  }
  running = false;
}
