/**
 * A collector in a process of its own, for bench:ingest's interleaved
 * comparison: the two sides must not share a heap (one side's garbage would be
 * collected in the other's slices) or a main thread. Started with fork(); it
 * reports its gRPC port, and closes on any message.
 */
import { parseConfig } from '../../lib/config/env';
import { openMigratedDb } from '../../lib/db/setup';
import { startCollector } from '../../collector/start-collector';

const args: { databaseUrl: string; keyAttributes: string } = JSON.parse(process.argv[2]!);

async function main() {
  const config = parseConfig({
    ...process.env,
    DATABASE_URL: args.databaseUrl,
    COLLECTOR_GRPC_PORT: '0',
    COLLECTOR_HTTP_PORT: '0',
    SAGASCOPE_LOG_LEVEL: 'warn',
    SAGASCOPE_KEY_ATTRIBUTES: args.keyAttributes,
  });
  const db = await openMigratedDb(config);
  const collector = await startCollector(db, config);
  process.once('message', () => {
    void (async () => {
      await collector.close();
      await db.close();
      // Batches written: their mean size says how the pipeline grouped the side's requests.
      process.send!({ batches: collector.metrics.batchCount }, () => process.exit(0));
    })();
  });
  process.send!({ grpcPort: collector.grpcPort });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
