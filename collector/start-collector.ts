/**
 * Wires one collector: pipeline → database writer, gRPC and HTTP transports.
 * Used by `npm run collector` (own process), by server/start.ts (same process
 * as the UI, required in embedded mode) and by the integration tests.
 */
import type { Db } from '../lib/db/connection';
import type { Config } from '../lib/config/env';
import { modelConfigFrom } from '../lib/config/model';
import { writeSpanBatch } from '../lib/ingest/span-writer';
import { IngestPipeline } from '../lib/ingest/pipeline';
import { IngestMetrics, registerProcessMetrics } from '../lib/ingest/metrics';
import { createDecoder, DecodePool } from '../lib/ingest/decode-pool';
import { startGrpcServer } from './grpc';
import { startHttpServer } from './http';
import { startRetentionLoop, type RetentionLoop } from './retention';
import { startTransitionLoop } from './transitions';
import { startPeriodic } from './periodic';
import { ensureDailyPartitions } from '../lib/db/span-partitions';
import { RollupCompactor, type CompactionResult } from '../lib/stats/rollup-writer';
import { backfillRollups } from '../lib/ingest/rollup-backfill';
import { startAlertLoops, type AlertLoops } from './alerts';
import type { PeriodicTask } from './periodic';
import { log, errorFields } from '../lib/log';

/** How often each collector creates the coming days' span partitions (SAGASCOPE_SPAN_PARTITIONS=daily). */
const PARTITION_INTERVAL_MS = 3_600_000;

export interface RunningCollector {
  grpcPort: number;
  httpPort: number;
  metrics: IngestMetrics;
  pipeline: IngestPipeline;
  /** Span retention (SAGASCOPE_RETENTION_DAYS); a no-op when retention is 0. */
  retention: RetentionLoop;
  /** Timed status changes made permanent for rollups and alerts (lib/ingest/transition-writer.ts). */
  transitions: PeriodicTask<number>;
  /** Pending rollup changes folded into the rollup tables (lib/stats/rollup-writer.ts). */
  compaction: PeriodicTask<CompactionResult>;
  /** Webhook sender and failure-rate evaluator (collector/alerts.ts). */
  alerts: AlertLoops;
  /** Stop accepting, commit what was accepted, close the listeners. */
  close(): Promise<void>;
}

export interface CollectorOptions {
  /** The clock of the timed-transition pass; tests move it instead of waiting (default Date.now). */
  now?: () => number;
}

export async function startCollector(db: Db, config: Config, opts: CollectorOptions = {}): Promise<RunningCollector> {
  const metrics = new IngestMetrics();
  const pipeline = new IngestPipeline({
    maxQueueSpans: config.SAGASCOPE_INGEST_MAX_QUEUE_SPANS,
    batchSpans: config.SAGASCOPE_INGEST_BATCH_SPANS,
    // PGlite is one backend: concurrent transactions would only queue inside it.
    writers: db.kind === 'pglite' ? 1 : config.SAGASCOPE_INGEST_WRITERS,
    write: async (rows) => {
      const result = await writeSpanBatch(db, rows, (now) => modelConfigFrom(config, now), { maxSagaSpans: config.SAGASCOPE_MAX_SAGA_SPANS, keyAttributes: config.SAGASCOPE_KEY_ATTRIBUTES });
      metrics.phase2WaitSeconds += (result.lockWaitMs ?? 0) / 1000;
      metrics.phase2HeldSeconds += (result.lockHeldMs ?? 0) / 1000;
      return result;
    },
    onBatch: (offered, stored, seconds) => {
      metrics.spansStored += stored;
      metrics.spansDuplicate += offered - stored;
      metrics.observeBatch(seconds);
    },
    retryWindowMs: config.SAGASCOPE_INGEST_DB_RETRY_MS,
    onRetry: (err) => {
      metrics.dbRetries++;
      log.warn('ingest batch failed, writing it again', errorFields(err));
    },
    onSplit: (err) => {
      metrics.batchSplits++;
      log.warn('the database refused a batch for its data: writing its requests apart', errorFields(err));
    },
    onError: (err) => log.error('ingest batch failed', errorFields(err)),
    // The orphans of its traces are linked by the next batch that brings a span of those traces.
    onAfterCommitError: (err) => log.warn('ingest batch committed, but the orphan check after its commit failed', errorFields(err.cause)),
  });
  metrics.queueDepth = () => pipeline.depth;
  const decoder = createDecoder(
    {
      limits: {
        maxSpansPerRequest: config.SAGASCOPE_MAX_SPANS_PER_REQUEST,
        maxListValues: config.SAGASCOPE_DECODE_MAX_LIST_VALUES,
        maxValues: config.SAGASCOPE_DECODE_MAX_VALUES,
        maxDepth: config.SAGASCOPE_DECODE_MAX_DEPTH,
        maxAttributes: config.SAGASCOPE_MAX_ATTRIBUTES,
        maxValueLength: config.SAGASCOPE_MAX_ATTRIBUTE_LENGTH,
        maxEvents: config.SAGASCOPE_MAX_EVENTS,
        keyAttributes: config.SAGASCOPE_KEY_ATTRIBUTES,
      },
      maxBytes: config.SAGASCOPE_MAX_REQUEST_BYTES,
      // Rows are COPied only into a PostgreSQL server (PGlite takes an unnest INSERT of full rows).
      encode: db.kind === 'postgres',
    },
    config.SAGASCOPE_INGEST_WORKERS,
  );
  if (decoder instanceof DecodePool) metrics.decodeQueue = () => decoder.queued;
  const deps = { pipeline, metrics, decoder, token: config.SAGASCOPE_COLLECTOR_TOKEN };
  const grpc = await startGrpcServer({
    ...deps,
    host: config.SAGASCOPE_HOST,
    port: config.COLLECTOR_GRPC_PORT,
    maxRequestBytes: config.SAGASCOPE_MAX_REQUEST_BYTES,
  });
  const http = await startHttpServer({
    ...deps,
    host: config.SAGASCOPE_HOST,
    port: config.COLLECTOR_HTTP_PORT,
    maxRequestBytes: config.SAGASCOPE_MAX_REQUEST_BYTES,
    checkHealth: async () => {
      await db.query('SELECT 1');
    },
  });
  registerProcessMetrics(metrics);
  // Every collector prunes; concurrent pruners are safe (lib/retention/store.ts).
  const retention = startRetentionLoop(db, {
    days: config.SAGASCOPE_RETENTION_DAYS,
    intervalMs: config.SAGASCOPE_RETENTION_INTERVAL_MS,
    rollupDays: config.SAGASCOPE_ROLLUP_RETENTION_DAYS,
  });
  // Daily span partitions are created days ahead, so a partition's creation never races its first spans.
  const partitions = config.SAGASCOPE_SPAN_PARTITIONS === 'daily'
    ? startPeriodic('span partitions', PARTITION_INTERVAL_MS, () => ensureDailyPartitions(db, Date.now()))
    : null;
  const transitions = startTransitionLoop(db, config.SAGASCOPE_TRANSITION_INTERVAL_MS, opts.now);
  // Folds the rollup changes ingest appends; readers add pending ones, so this only bounds their number.
  const compactor = new RollupCompactor(db);
  const compaction = startPeriodic('rollup compaction', config.SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS, () => compactor.pass());
  // Summaries from before rollups existed join the charts (a no-op once done).
  let closing = false;
  const backfill = backfillRollups(db, (now) => modelConfigFrom(config, now), { maxSagaSpans: config.SAGASCOPE_MAX_SAGA_SPANS, shouldContinue: () => !closing })
    .then((r) => {
      if (r.sagas > 0) log.info('rollups backfilled', r);
    })
    .catch((err: unknown) => log.error('rollup backfill failed', errorFields(err)));
  const alerts = startAlertLoops(db, config);
  return {
    grpcPort: grpc.port,
    httpPort: http.port,
    metrics,
    pipeline,
    retention,
    transitions,
    compaction,
    alerts,
    async close() {
      closing = true;
      await Promise.all([retention.stop(), transitions.stop(), partitions?.stop(), alerts.stop(), backfill, grpc.close(), http.close()]);
      await pipeline.close();
      await decoder.close();
      await compaction.stop();
      await compactor.pass({ wait: true }).catch((err: unknown) => log.warn('rollup compaction at shutdown failed', errorFields(err)));
    },
  };
}
