/**
 * Collector metrics in Prometheus' text exposition format. A tiny registry of
 * our own: the handful of series here do not justify a client library.
 */

import type { BudgetKind } from '../otlp/decode-budget';

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class IngestMetrics {
  spansReceived = 0;
  spansStored = 0;
  spansRejected = 0;
  spansDuplicate = 0;
  /** Spans stored cut down to the collector's limits (lib/ingest/limits.ts). */
  spansTruncated = 0;
  requests = new Map<string, number>();
  batchCount = 0;
  batchLatencySum = 0;
  batchLatencyBuckets = new Array<number>(LATENCY_BUCKETS_S.length).fill(0);
  /** The ingest transaction's serial part (lib/ingest/span-writer.ts): time waited for its lock, and held. */
  phase2WaitSeconds = 0;
  phase2HeldSeconds = 0;
  /** Batch attempts repeated because the database was briefly away. */
  dbRetries = 0;
  /** Group commits split because the database refused their data (lib/ingest/pipeline.ts). */
  batchSplits = 0;
  /** Requests refused (spans rejected, for depth) over a decode budget, by budget (lib/otlp/decode-budget.ts). */
  budgetExceeded = new Map<BudgetKind, number>();
  /** Reported at scrape time by the pipeline. */
  queueDepth: () => number = () => 0;
  /** Reported at scrape time by the decode pool: request bodies waiting for a decode worker. */
  decodeQueue: () => number = () => 0;

  countBudgetExceeded(budget: BudgetKind, n = 1): void {
    this.budgetExceeded.set(budget, (this.budgetExceeded.get(budget) ?? 0) + n);
  }

  countRequest(transport: 'grpc' | 'http', outcome: string): void {
    const key = `${transport}|${outcome}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  observeBatch(seconds: number): void {
    this.batchCount++;
    this.batchLatencySum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) if (seconds <= LATENCY_BUCKETS_S[i]!) this.batchLatencyBuckets[i]!++;
  }

  render(): string {
    const lines: string[] = [];
    const counter = (name: string, help: string, value: number) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    counter('sagascope_spans_received_total', 'Spans received in OTLP export requests.', this.spansReceived);
    counter('sagascope_spans_stored_total', 'Spans newly stored (committed).', this.spansStored);
    counter('sagascope_spans_rejected_total', 'Spans rejected as invalid (partial success).', this.spansRejected);
    counter('sagascope_spans_duplicate_total', 'Spans received again and ignored.', this.spansDuplicate);
    counter('sagascope_spans_truncated_total', 'Spans stored cut down to the attribute / length / event limits.', this.spansTruncated);
    counter('sagascope_ingest_phase2_lock_wait_seconds_total', 'Time ingest transactions waited for the phase-2 lock.', this.phase2WaitSeconds);
    counter('sagascope_ingest_phase2_lock_held_seconds_total', 'Time the phase-2 lock was held (its share of wall time is the serial share of ingest).', this.phase2HeldSeconds);
    counter('sagascope_ingest_db_retries_total', 'Batch writes attempted again after a transient database error.', this.dbRetries);
    counter('sagascope_ingest_batch_splits_total', 'Group commits split because the database refused the data of one of their requests.', this.batchSplits);
    lines.push('# HELP sagascope_export_requests_total OTLP export requests by transport and outcome.');
    lines.push('# TYPE sagascope_export_requests_total counter');
    for (const [key, n] of [...this.requests].sort()) {
      const [transport, outcome] = key.split('|');
      lines.push(`sagascope_export_requests_total{transport="${transport}",outcome="${outcome}"} ${n}`);
    }
    lines.push('# HELP sagascope_decode_budget_exceeded_total Requests refused over a decode budget (depth: spans rejected), by budget.');
    lines.push('# TYPE sagascope_decode_budget_exceeded_total counter');
    for (const budget of ['bytes', 'spans', 'list_values', 'values', 'depth'] as const) {
      lines.push(`sagascope_decode_budget_exceeded_total{budget="${budget}"} ${this.budgetExceeded.get(budget) ?? 0}`);
    }
    lines.push('# HELP sagascope_decode_queue_requests Request bodies waiting for a decode worker.');
    lines.push('# TYPE sagascope_decode_queue_requests gauge');
    lines.push(`sagascope_decode_queue_requests ${this.decodeQueue()}`);
    lines.push('# HELP sagascope_ingest_batch_seconds Time to commit one database batch.');
    lines.push('# TYPE sagascope_ingest_batch_seconds histogram');
    LATENCY_BUCKETS_S.forEach((le, i) =>
      lines.push(`sagascope_ingest_batch_seconds_bucket{le="${le}"} ${this.batchLatencyBuckets[i]}`),
    );
    lines.push(`sagascope_ingest_batch_seconds_bucket{le="+Inf"} ${this.batchCount}`);
    lines.push(`sagascope_ingest_batch_seconds_sum ${this.batchLatencySum}`);
    lines.push(`sagascope_ingest_batch_seconds_count ${this.batchCount}`);
    lines.push('# HELP sagascope_ingest_queue_spans Spans waiting to be written.');
    lines.push('# TYPE sagascope_ingest_queue_spans gauge');
    lines.push(`sagascope_ingest_queue_spans ${this.queueDepth()}`);
    return lines.join('\n') + '\n';
  }
}

const PROCESS_METRICS = Symbol.for('sagascope.collector.metrics');
type MetricsHolder = { [PROCESS_METRICS]?: IngestMetrics };

/** Make this process's collector metrics visible to the UI server's /metrics (same process, other bundle). */
export function registerProcessMetrics(metrics: IngestMetrics): void {
  (globalThis as MetricsHolder)[PROCESS_METRICS] = metrics;
}

export function processMetrics(): IngestMetrics | undefined {
  return (globalThis as MetricsHolder)[PROCESS_METRICS];
}
