/**
 * The orchestrator's control API (loopback only, not traced: it is not part of
 * any saga).
 *
 *   GET  /health
 *   POST /sagas    { flow?, scenario?, params?, natural?, wait? = true }
 *                  → 200 { gid, flow, scenario, params, outcome } once the orchestrator is done
 *                    (wait: false → 202 without outcome). A stalled saga answers as soon as it stalls.
 *   POST /traffic  { rate, showcase?, maxInFlight? } → starts (rate > 0) or stops (rate 0) the generator
 *   GET  /stats    sagas started, by flow / scenario / orchestrator verdict
 */
import { BodyError, readJsonBody, sendJson as reply } from '../http-json';
import http from 'node:http';
import { z } from 'zod';
import { FLOWS, SCENARIOS } from '../scenarios';
import { NothingToRefund, type SagaEngine } from './engine';
import { ScenarioNotApplicable } from './plan';
import type { TrafficGenerator } from './traffic';

const sagaRequest = z.object({
  flow: z.enum(FLOWS).optional(),
  scenario: z.enum(SCENARIOS).optional(),
  params: z.unknown().optional(),
  natural: z.boolean().optional(),
  wait: z.boolean().default(true),
});

const trafficRequest = z.object({
  rate: z.number().min(0).max(20),
  showcase: z.boolean().default(false),
  maxInFlight: z.number().int().min(1).max(200).default(40),
});


export async function startControlServer(
  engine: SagaEngine,
  traffic: TrafficGenerator,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    void route(req, res).catch((err) => reply(res, err instanceof BodyError ? 400 : 500, { error: (err as Error).message }));
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') return reply(res, 200, { ok: true, service: 'orchestrator' });
    if (req.method === 'GET' && path === '/stats') return reply(res, 200, { sagas: engine.stats(), traffic: traffic.status(), inFlight: engine.inFlight.size });
    if (req.method === 'POST' && path === '/traffic') {
      const body = trafficRequest.safeParse(await readJsonBody(req));
      if (!body.success) return reply(res, 400, { error: z.prettifyError(body.error) });
      traffic.configure(body.data);
      return reply(res, 200, traffic.status());
    }
    if (req.method === 'POST' && path === '/sagas') {
      const body = sagaRequest.safeParse(await readJsonBody(req));
      if (!body.success) return reply(res, 400, { error: z.prettifyError(body.error) });
      let saga;
      try {
        saga = engine.start(body.data);
      } catch (err) {
        if (err instanceof z.ZodError) return reply(res, 400, { error: `invalid params: ${z.prettifyError(err)}` });
        if (err instanceof ScenarioNotApplicable || err instanceof NothingToRefund) return reply(res, 409, { error: err.message });
        throw err;
      }
      const head = { gid: saga.gid, flow: saga.flow, scenario: saga.scenario, params: saga.params };
      if (!body.data.wait) {
        saga.done.catch(() => undefined);
        return reply(res, 202, head);
      }
      return reply(res, 200, { ...head, outcome: await saga.done });
    }
    return reply(res, 404, { error: 'not found' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

