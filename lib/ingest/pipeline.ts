/**
 * Group commit between export requests and the database. Requests queue their
 * span rows; up to `writers` transactions run at once, each taking whole queued
 * requests until it has about `batchSpans` spans. A transaction starts at once
 * when none is running; beside a running one, only for a full batch (ADR 0015).
 * Every transaction has a fixed cost (its statements, its commit, waits on
 * sagas whose spans were cut across requests), so small ones side by side cost
 * more per span than the one larger batch they add up to: 1,000-span batches
 * took 22 % more writer time per span than 5,000-span ones.
 *
 * A request's promise settles only when the transaction holding its spans has
 * committed (or failed), so an acknowledgement always means "durably stored".
 * A full queue refuses new work at once (→ 429 / UNAVAILABLE) instead of
 * growing memory without bound.
 *
 * A batch that fails because the database is briefly away (a restart, killed
 * connections) is written again, with backoff, for up to `retryWindowMs`
 * before its requests are refused as UNAVAILABLE. The OTel JS gRPC exporter
 * treats every error as final and drops the spans (docs/faults.md), so riding
 * out a short outage here is what keeps them. Writing a batch again is safe:
 * spans already stored are skipped and summaries are rebuilt from stored
 * spans, so a commit whose answer was lost is not applied twice.
 *
 * One sender's bad data costs nobody else anything (DESIGN.md §6): a batch the
 * database refuses for its data is split until the request carrying that data
 * is alone, and only that request is refused (400 / INVALID_ARGUMENT).
 */
import type { SpanRow } from './span-row';
import { inheritSagaIds } from './inherit-saga-ids';
import { CommittedBatchError, ExportError, isDataError, isTransientDbError, storeErrorToExport } from './errors';

export interface PipelineOptions {
  maxQueueSpans: number;
  batchSpans: number;
  writers: number;
  write(rows: SpanRow[]): Promise<{ stored: number }>;
  /** How long a batch is retried on transient database errors before its requests are refused (0: not retried). */
  retryWindowMs?: number;
  /** First pause between attempts; it doubles up to RETRY_MAX_PAUSE_MS. */
  retryFirstPauseMs?: number;
  /** Called before each new attempt of a batch that failed transiently. */
  onRetry?(err: unknown): void;
  /** Called after each committed batch: spans offered, spans new, seconds taken. */
  onBatch?(offered: number, stored: number, seconds: number): void;
  onError?(err: unknown): void;
  /** Called when a batch is split because the database refused its data (lib/ingest/errors.ts isDataError). */
  onSplit?(err: unknown): void;
  /** Called when a batch committed but what runs after its commit failed, and it is acknowledged anyway (CommittedBatchError). */
  onAfterCommitError?(err: CommittedBatchError): void;
}

const RETRY_MAX_PAUSE_MS = 1_000;

interface Pending {
  rows: SpanRow[];
  resolve(): void;
  reject(err: unknown): void;
}

export class IngestPipeline {
  private readonly queue: Pending[] = [];
  private queuedSpans = 0;
  /** Spans in `queue`, i.e. not taken by a transaction yet. */
  private waitingSpans = 0;
  private active = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Wakes the batches pausing between attempts, so close() need not wait out a pause. */
  private readonly retryWakers = new Set<() => void>();

  constructor(private readonly opts: PipelineOptions) {}

  /** Spans accepted but not yet committed (queued or being written). */
  get depth(): number {
    return this.queuedSpans;
  }

  /**
   * No request with spans can be taken now. Checked before a request is read or
   * decoded: under overload, decoding requests only to refuse them took the CPU
   * the writers needed (throughput fell to a tenth, test/faults/overload).
   */
  get full(): boolean {
    return this.queuedSpans >= this.opts.maxQueueSpans;
  }

  submit(rows: SpanRow[]): Promise<void> {
    if (this.closed) return Promise.reject(new ExportError('unavailable', 'collector is shutting down'));
    if (rows.length === 0) return Promise.resolve();
    // One oversized request is still taken when the queue is empty, so any
    // request within the size limit can eventually be stored.
    if (this.queuedSpans > 0 && this.queuedSpans + rows.length > this.opts.maxQueueSpans) {
      return Promise.reject(new ExportError('saturated', 'collector is saturated, retry later'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedSpans += rows.length;
      this.waitingSpans += rows.length;
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.opts.writers && this.queue.length > 0 && (this.active === 0 || this.waitingSpans >= this.opts.batchSpans)) {
      const batch: Pending[] = [];
      let n = 0;
      while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.rows.length <= this.opts.batchSpans)) {
        const p = this.queue.shift()!;
        batch.push(p);
        n += p.rows.length;
      }
      this.waitingSpans -= n;
      this.active++;
      void this.run(batch);
    }
  }

  private async run(batch: Pending[]): Promise<void> {
    try {
      await this.settle(batch, performance.now());
    } finally {
      this.active--;
      this.pump();
      if (this.active === 0 && this.queue.length === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Writes the requests of `batch` in one transaction and settles each. When
   * the database refuses the data itself (isDataError), the other requests must
   * not pay for it: the batch is halved and each half written on its own, until
   * the request carrying the bad rows is alone and fails by itself with 400 /
   * INVALID_ARGUMENT. k requests with one culprit cost about 2·log2(k) extra
   * transactions. A request that fails alone for another reason fails as before.
   */
  private async settle(batch: Pending[], started: number): Promise<void> {
    const n = batch.reduce((sum, p) => sum + p.rows.length, 0);
    try {
      const rows = inheritSagaIds(batch.length === 1 ? batch[0]!.rows : batch.flatMap((p) => p.rows));
      const { stored } = await this.writeRetrying(rows, started);
      this.opts.onBatch?.(n, stored, (performance.now() - started) / 1000);
      this.queuedSpans -= n;
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length > 1 && isDataError(err)) {
        this.opts.onSplit?.(err);
        const half = Math.ceil(batch.length / 2);
        await this.settle(batch.slice(0, half), performance.now());
        await this.settle(batch.slice(half), performance.now());
        return;
      }
      this.opts.onError?.(err);
      this.queuedSpans -= n;
      const wrapped = storeErrorToExport(err);
      for (const p of batch) p.reject(wrapped);
    }
  }

  private async writeRetrying(rows: SpanRow[], started: number): Promise<{ stored: number }> {
    const windowMs = this.opts.retryWindowMs ?? 0;
    let pauseMs = this.opts.retryFirstPauseMs ?? 100;
    for (;;) {
      try {
        return await this.opts.write(rows);
      } catch (err) {
        const left = started + windowMs - performance.now();
        if (this.closed || !isTransientDbError(err) || left <= 0) {
          // Committed: acknowledged, not refused; what failed after the commit is reported.
          if (err instanceof CommittedBatchError) {
            this.opts.onAfterCommitError?.(err);
            return { stored: err.stored };
          }
          throw err;
        }
        this.opts.onRetry?.(err);
        // ±20 % jitter keeps concurrent writers from reconnecting in step.
        await this.pause(Math.min(left, pauseMs * (0.8 + 0.4 * Math.random())));
        // Closing: fail fast, so a shutdown with the database away does not wait out the window.
        if (this.closed) throw err;
        pauseMs = Math.min(pauseMs * 2, RETRY_MAX_PAUSE_MS);
      }
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.retryWakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.retryWakers.add(wake);
    });
  }

  /** Stop taking requests and wait for everything accepted to be committed (batches waiting to retry are refused). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.retryWakers]) wake();
    if (this.active === 0 && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
