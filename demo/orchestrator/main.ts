/** Starts the orchestrator: its saga engine, the chaos network, the control API. */
import http from 'node:http';
import { z } from 'zod';
import { loadDemoConfig } from '../config';
import { announceReady, fatal, onStop, parseChildEnv } from '../process/child';
import { seededRandom } from '../scenarios';
import { SERVICES } from '../services/catalog';
import type { Telemetry } from '../telemetry/sdk';
import { ChaosNetwork } from './chaos-network';
import { SagaEngine } from './engine';
import { startControlServer } from './server';
import { TrafficGenerator } from './traffic';

const serviceUrls = z.object(Object.fromEntries(SERVICES.map((s) => [s, z.url()])) as Record<(typeof SERVICES)[number], z.ZodURL>);

export async function main(telemetry: Telemetry): Promise<void> {
  try {
    const env = parseChildEnv();
    const config = loadDemoConfig();
    const urls = serviceUrls.parse(JSON.parse(process.env.SAGASCOPE_DEMO_SERVICE_URLS ?? '{}'));
    const dtmUrl = z.url().parse(process.env.SAGASCOPE_DEMO_DTM_URL);
    const network = new ChaosNetwork(env.SAGASCOPE_DEMO_HOST);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const rand = seededRandom(config.seed ?? Math.floor(Math.random() * 2 ** 31));
    const engine = new SagaEngine({ config, serviceUrls: urls, dtmUrl, network, agent, rand }, telemetry.tracer);
    const traffic = new TrafficGenerator(engine);
    const server = await startControlServer(engine, traffic, env.SAGASCOPE_DEMO_HOST, env.SAGASCOPE_DEMO_PORT);
    onStop('orchestrator', async () => {
      traffic.stop();
      await server.close();
      // Sagas under way finish (bounded) so that their root spans end and are exported.
      await Promise.race([Promise.allSettled([...engine.inFlight]), new Promise((r) => setTimeout(r, 4_000))]);
      await telemetry.shutdown();
      await network.close();
      agent.destroy();
    });
    announceReady('orchestrator', server.url);
  } catch (err) {
    fatal('orchestrator', err);
  }
}
