/**
 * Entry of the fleet's DTM test double: `node --import tsx demo/run-dtm.ts`.
 * Deliberately without OpenTelemetry: DTM emits no spans (demo/dtm/server.ts).
 */
import path from 'node:path';
import { announceReady, fatal, onStop, parseChildEnv } from './process/child';
import { loadDemoConfig } from './config';
import { startDtmDouble } from './dtm/start';
import { log } from './log';

async function main(): Promise<void> {
  try {
    const env = parseChildEnv();
    const config = loadDemoConfig();
    const dtm = await startDtmDouble({
      databaseUrl: env.DATABASE_URL,
      pgliteDataDir: env.SAGASCOPE_DEMO_PGLITE_DIR ? path.join(env.SAGASCOPE_DEMO_PGLITE_DIR, 'dtm') : undefined,
      host: env.SAGASCOPE_DEMO_HOST,
      port: env.SAGASCOPE_DEMO_PORT,
      timings: config.dtm,
      log: (line) => log.warn(line),
    });
    onStop('dtm', () => dtm.close());
    announceReady('dtm', dtm.url);
  } catch (err) {
    fatal('dtm', err);
  }
}

void main();
