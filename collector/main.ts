/**
 * `npm run collector`: the collector on its own, for deployments that scale it
 * separately from the UI. Needs a PostgreSQL server: the embedded database
 * belongs to exactly one process (`npm start`).
 */
import { loadConfig, ConfigError } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { startCollector } from './start-collector';
import { log, errorFields } from '../lib/log';
import { onShutdown } from '../server/shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    throw new ConfigError(
      'npm run collector needs DATABASE_URL (a PostgreSQL server). Without it, use `npm start`, which runs the collector and UI in one process on the embedded database.',
    );
  }
  const db = await openMigratedDb(config);
  const collector = await startCollector(db, config);
  log.info('collector listening', {
    grpc: `${config.SAGASCOPE_HOST}:${collector.grpcPort}`,
    http: `${config.SAGASCOPE_HOST}:${collector.httpPort}`,
  });
  onShutdown(async () => {
    await collector.close();
    await db.close();
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.error('collector failed to start', errorFields(err));
  process.exit(1);
});
