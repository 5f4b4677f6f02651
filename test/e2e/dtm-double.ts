/**
 * The DTM test double (demo/dtm, DTM's HTTP API and tables) as a Playwright
 * webServer of the e2e run (playwright.config.ts), so that `npm start` starts
 * with SAGASCOPE_DTM_SERVERS pointing at a DTM that is really there, as in
 * production: its follower and every saga page read it from the first request.
 *
 * DTM's tables live in schema `dtm` of the e2e database (E2E_DATABASE_URL, real
 * PostgreSQL in CI), else in an in-memory PGlite. The server-wide RetryInterval
 * is 1 s and the cron polls every 100 ms: a spec that wants DTM to wait sets the
 * transaction's own retry_interval (DTM's per-transaction option) instead.
 */
import { startDtmDouble } from '../../demo/dtm/start';

async function main(): Promise<void> {
  const port = Number(process.env.E2E_DTM_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('E2E_DTM_PORT must be a port number');
  const dtm = await startDtmDouble({
    databaseUrl: process.env.E2E_DATABASE_URL || undefined,
    host: '127.0.0.1',
    port,
    timings: { retryIntervalS: 1, timeoutToFailS: 35, requestTimeoutS: 3, cronIntervalS: 1 },
    cronPollMs: 100,
    log: (line) => console.warn(`dtm double: ${line}`),
  });
  console.log(`DTM test double on ${dtm.url}`);
  const stop = () => void dtm.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
