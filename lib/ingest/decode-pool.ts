/**
 * Where OTLP requests are unpacked and decoded: on worker threads, so that no
 * request — however it is shaped, within the decode budgets or not — holds the
 * main thread, which the collector shares with the UI (server/start.ts). Before
 * this, 14 KB of gzip'd JSON froze both for 6 s (issue 15).
 *
 * The main thread keeps only a queue of undecoded bodies and, per worker, the
 * request being decoded; a worker holds one unpacked body at a time, so memory
 * grows with the number of workers, not with the number of requests in flight.
 * Rows come back in chunks of a few hundred (decode-worker.ts), each taken in
 * its own turn of the event loop. Structured clone of full rows cost the main
 * thread about a quarter of what decoding did (≈3 vs ≈13 µs per span); with
 * `encode` the workers also build the COPY text and send it as a transferred
 * buffer beside lean rows (copy-block.ts, ADR 0014): hand-off plus COPY input
 * fell from 10.3 to 4.7 µs per span of main-thread CPU (bench:ingest:handoff).
 *
 * Small bodies sent uncompressed are decoded on the main thread: within the
 * budgets, decoding work is proportional to the bytes (at most ~25 ns per
 * byte), so a body of INLINE_DECODE_BYTES costs it a couple of milliseconds,
 * less than a round trip to a worker.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeRequestRows, type Encoding, type RequestLimits, type RequestRows } from './decode-rows';
import { inflateAsync, type ContentEncoding } from './inflate';
import { ExportError, type ExportErrorKind } from './errors';
import type { BudgetKind } from '../otlp/decode-budget';
import type { SpanRow } from './span-row';
import { log, errorFields } from '../log';

export const INLINE_DECODE_BYTES = 64 * 1024;

/** Bodies waiting for a worker: past either bound, requests are refused as saturated (429, retried later). */
const MAX_QUEUED_REQUESTS = 1_024;
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export interface WorkerSetup {
  limits: RequestLimits;
  maxBytes: number;
  /**
   * Workers also build the rows' COPY text (lib/ingest/copy-block.ts) and send
   * lean rows: only for a database the rows are COPied into (PostgreSQL server).
   */
  encode?: boolean;
}

export type ToWorker =
  | { type: 'decode'; id: number; body: Uint8Array; encoding: Encoding; contentEncoding: ContentEncoding }
  | { type: 'more' };

export type FromWorker =
  | { type: 'rows'; id: number; rows: SpanRow[] }
  | ({ type: 'done'; id: number } & Omit<RequestRows, 'rows'>)
  | { type: 'error'; id: number; kind: ExportErrorKind; message: string; budget?: BudgetKind };

export interface DecodeRequest {
  body: Uint8Array;
  encoding: Encoding;
  contentEncoding: ContentEncoding;
}

export interface RequestDecoder {
  decode(req: DecodeRequest): Promise<RequestRows>;
  /** No request can be queued now (checked before a body is read). */
  readonly full: boolean;
  close(): Promise<void>;
}

/** Decodes on the calling thread (SAGASCOPE_INGEST_WORKERS=0, and small bodies). */
export class InlineDecoder implements RequestDecoder {
  readonly full = false;
  constructor(private readonly setup: WorkerSetup) {}

  async decode(req: DecodeRequest): Promise<RequestRows> {
    const body = await inflateAsync(req.body, req.contentEncoding, this.setup.maxBytes);
    return decodeRequestRows(body, req.encoding, this.setup.limits);
  }

  async close(): Promise<void> {}
}

interface Job extends DecodeRequest {
  id: number;
  rows: SpanRow[];
  resolve(r: RequestRows): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  startedAt: number;
}

/** A worker that dies this soon after starting, this many times in a row, is not started again. */
const EARLY_EXIT_MS = 2_000;
const MAX_EARLY_EXITS = 3;

export class DecodePool implements RequestDecoder {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private queuedBytes = 0;
  private nextId = 1;
  private closed = false;
  private earlyExits = 0;
  private readonly inline: InlineDecoder;

  constructor(
    private readonly setup: WorkerSetup,
    size: number,
  ) {
    this.inline = new InlineDecoder(setup);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get full(): boolean {
    return this.queue.length >= MAX_QUEUED_REQUESTS || this.queuedBytes >= MAX_QUEUED_BYTES;
  }

  /** Requests waiting for a worker (reported in /metrics). */
  get queued(): number {
    return this.queue.length;
  }

  decode(req: DecodeRequest): Promise<RequestRows> {
    const small = req.contentEncoding === 'identity' && req.body.length <= INLINE_DECODE_BYTES;
    // No workers left (they would not start): decode here rather than refuse everything.
    if (small || this.slots.length === 0) return this.inline.decode(req);
    if (this.closed) return Promise.reject(new ExportError('unavailable', 'collector is shutting down'));
    if (this.full) return Promise.reject(new ExportError('saturated', 'collector is saturated, retry later'));
    return new Promise<RequestRows>((resolve, reject) => {
      this.queue.push({ ...req, id: this.nextId++, rows: [], resolve, reject });
      this.queuedBytes += req.body.length;
      this.dispatch();
    });
  }

  private spawn(): Slot {
    // execArgv []: the parent's flags (V8 heap settings, loader hooks) are not all valid in a worker; the boot file registers TypeScript.
    const worker = new Worker(path.join(__dirname, 'decode-worker-boot.cjs'), {
      workerData: this.setup satisfies WorkerSetup,
      execArgv: [],
      // A worker that blows up takes only its request with it (see 'exit' below).
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    worker.unref();
    const slot: Slot = { worker, job: null, startedAt: performance.now() };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => log.error('decode worker failed', errorFields(err)));
    worker.on('exit', (code) => {
      const job = slot.job;
      slot.job = null;
      job?.reject(new ExportError('internal', 'failed to decode the request'));
      if (this.closed) return;
      const i = this.slots.indexOf(slot);
      if (i === -1) return;
      this.earlyExits = performance.now() - slot.startedAt < EARLY_EXIT_MS ? this.earlyExits + 1 : 0;
      if (this.earlyExits >= MAX_EARLY_EXITS) {
        log.error('decode workers do not start: decoding on the main thread from now on', { code });
        this.slots.splice(0);
        for (const queued of this.queue.splice(0)) this.inline.decode(queued).then(queued.resolve, queued.reject);
        this.queuedBytes = 0;
        return;
      }
      log.warn('decode worker exited: starting another', { code });
      this.slots[i] = this.spawn();
      this.dispatch();
    });
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job !== null) continue;
      const job = this.queue.shift()!;
      this.queuedBytes -= job.body.length;
      slot.job = job;
      const msg: ToWorker = { type: 'decode', id: job.id, body: job.body, encoding: job.encoding, contentEncoding: job.contentEncoding };
      // Moved, not copied, when the body owns its memory outright (a Buffer from the pool shares it).
      const own = job.body.byteOffset === 0 && job.body.byteLength === job.body.buffer.byteLength && job.body.buffer instanceof ArrayBuffer;
      slot.worker.postMessage(msg, own ? [job.body.buffer as ArrayBuffer] : []);
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    const job = slot.job;
    if (job === null || job.id !== msg.id) return;
    if (msg.type === 'rows') {
      for (const r of msg.rows) job.rows.push(r);
      // The next chunk is asked for after the event loop has had its turn.
      setImmediate(() => slot.worker.postMessage({ type: 'more' } satisfies ToWorker));
      return;
    }
    slot.job = null;
    if (msg.type === 'done') {
      const { type: _type, id: _id, ...counts } = msg;
      job.resolve({ rows: job.rows, ...counts });
    } else {
      job.reject(new ExportError(msg.kind, msg.message, msg.budget));
    }
    this.dispatch();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new ExportError('unavailable', 'collector is shutting down'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** The decoder a collector uses: SAGASCOPE_INGEST_WORKERS worker threads, or the main thread when 0. */
export function createDecoder(setup: WorkerSetup, workers: number): RequestDecoder {
  return workers > 0 ? new DecodePool(setup, workers) : new InlineDecoder(setup);
}
