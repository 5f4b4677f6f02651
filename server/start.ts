/**
 * `npm start`: the whole product in one process — database (embedded PGlite
 * unless DATABASE_URL is set), migrations, collector (4317 gRPC, 4318 HTTP) and
 * the Next.js UI (3000). One process is required in embedded mode (PGlite is a
 * single backend) and convenient otherwise.
 */
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig, ConfigError } from '../lib/config/env';
import { openMigratedDb } from '../lib/db/setup';
import { setSharedDb } from '../lib/db/connection';
import { startCollector } from '../collector/start-collector';
import { log, errorFields } from '../lib/log';
import { dtmConnector } from '../lib/dtm/connector';
import { onShutdown } from './shutdown';
import { announceSetupToken } from './setup-token';
import { startAuditCheckpoints } from './audit-checkpoints';
import { prepareDemo, collectorEndpoint, demoBannerLines } from './demo';
import { enablePreEncodedBodies, passPreEncoded } from './pre-encoded';
import { installEdge } from './edge';
import { parseCidrList } from '../lib/net/ip';
import type { Fleet } from '../demo/fleet';

process.env.NEXT_TELEMETRY_DISABLED = '1';

const UI_SOURCES = ['app', 'components', 'lib', 'next.config.mjs', 'package-lock.json', 'prisma/schema.prisma'];

/** Newest modification time under the UI's sources (generated client excluded). */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      if (p.endsWith(path.join('db', 'generated')) || path.basename(p) === 'node_modules') return;
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const rel of UI_SOURCES) visit(path.join(dir, rel));
  return newest;
}

/** Build the UI when there is no build or the sources changed since (e.g. after a pull). */
function ensureBuilt(dir: string): void {
  const buildId = fs.statSync(path.join(dir, '.next', 'BUILD_ID'), { throwIfNoEntry: false });
  if (buildId && buildId.mtimeMs >= newestSourceMtime(dir)) return;
  log.info(buildId ? 'sources changed since the last UI build: rebuilding (next build)…' : 'building the UI once (next build)…');
  const r = spawnSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('next build failed');
}

async function main(): Promise<void> {
  const dev = process.argv.includes('--dev');
  // Before loadConfig(): the demo may set model thresholds the whole process must see. With
  // DATABASE_URL it runs only on --demo (server/demo.ts): that database is the user's.
  const demo = prepareDemo(process.argv, process.env);
  const config = loadConfig();
  const dir = process.cwd();
  if (!dev) ensureBuilt(dir);

  const db = await openMigratedDb(config);
  setSharedDb(db);
  await announceSetupToken(db, config);
  const auditCheckpoints = startAuditCheckpoints(db, config);
  // The DTM follower (SAGASCOPE_DTM_SERVERS) from the start, off the ingest path: it only reads DTM's API.
  dtmConnector(config);
  const collector = config.SAGASCOPE_START_COLLECTOR ? await startCollector(db, config) : null;
  // Started now, awaited once the UI listens: both take seconds, and they overlap.
  const fleetStarting: Promise<Fleet | null> =
    demo.run && collector
      ? // require, not import(): `npm start` loads TypeScript through tsx's CommonJS hook only
        // (node --require tsx/cjs, see package.json), whose import() cannot resolve a .ts file.
        Promise.resolve()
          .then(() => require('../demo/fleet') as typeof import('../demo/fleet'))
          .then((m) =>
            m.startFleet({
              otlpEndpoint: collectorEndpoint(config.SAGASCOPE_HOST, collector.grpcPort),
              databaseUrl: config.DATABASE_URL,
              collectorToken: config.SAGASCOPE_COLLECTOR_TOKEN,
              stopTimeoutMs: 5_000,
              // The port SAGASCOPE_DTM_SERVERS was pointed at (server/demo.ts).
              ports: { dtm: m.demoDtmPortOf(process.env) },
            }),
          )
          .catch((err) => {
            log.warn('the demo fleet did not start; sagascope runs without it', errorFields(err));
            return null;
          })
      : Promise.resolve(null);

  const { default: next } = await import('next');
  const app = next({ dev, dir, hostname: config.SAGASCOPE_HOST, port: config.PORT });
  const handle = app.getRequestHandler();
  await app.prepare();
  // API routes may hand over a body compressed once and kept (server/pre-encoded.ts).
  enablePreEncodedBodies();
  // Forwarded headers believed only from trusted proxies; undecodable paths answered here (server/edge.ts).
  const edge = installEdge(parseCidrList(config.SAGASCOPE_TRUSTED_PROXIES));
  const server = http.createServer((req, res) => {
    if (edge(req, res)) return;
    if (req.url?.startsWith('/api/')) passPreEncoded(res);
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.SAGASCOPE_HOST, () => resolve());
  });
  const shownHost = config.SAGASCOPE_HOST === '0.0.0.0' ? 'localhost' : config.SAGASCOPE_HOST;
  console.log(
    [
      '',
      `  sagascope is running (${db.kind === 'pglite' ? `embedded database in ${config.SAGASCOPE_DATA_DIR}` : 'PostgreSQL'})`,
      `  UI:                 http://${shownHost}:${config.PORT}`,
      collector ? `  OTLP/gRPC:          ${shownHost}:${collector.grpcPort}` : '  collector:          runs separately (SAGASCOPE_START_COLLECTOR=false)',
      collector ? `  OTLP/HTTP:          http://${shownHost}:${collector.httpPort}/v1/traces` : '',
      ...demoBannerLines(demo, process.env),
      '',
    ].join('\n'),
  );
  const fleet = await fleetStarting;
  if (fleet) console.log(`  demo fleet:         running, ${fleet.rate} saga(s)/s (orchestrator ${fleet.orchestratorUrl}, DTM test double ${fleet.dtmUrl})\n`);
  onShutdown(async () => {
    // First, while the collector still takes their last spans.
    await fleet?.stop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await collector?.close();
    await auditCheckpoints.stop();
    await db.close();
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else log.error('sagascope failed to start', errorFields(err));
  process.exit(1);
});
