/**
 * The demo fleet runner: spawns the four participants, the DTM test double
 * (demo/dtm: no OpenTelemetry, like DTM) and the orchestrator as separate
 * processes (each with its own database), waits until they are healthy,
 * starts the traffic, and stops them all cleanly.
 *
 *   npm run demo [-- --rate 2]      against a running sagascope (OTEL_EXPORTER_OTLP_ENDPOINT,
 *                                   default http://127.0.0.1:4317; DATABASE_URL optional)
 *   startFleet({ otlpEndpoint })    from code (`npm start`, tests)
 *
 * Processes bind 127.0.0.1 only, on ports the OS picks unless configured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { demoDtmPort, loadDemoConfig, parseDemoConfig, type DemoConfig } from './config';
import type { ReadyMessage } from './process/child';
import { SERVICES, type ServiceName } from './services/catalog';

export type FleetMember = ServiceName | 'orchestrator' | 'dtm';

export interface FleetOptions {
  /** OTLP/gRPC endpoint of the collector, e.g. http://127.0.0.1:4317. */
  otlpEndpoint: string;
  /** PostgreSQL server for the services' schemas; unset → a PGlite per service. */
  databaseUrl?: string;
  /** PGlite data directory (a subdirectory per service); unset → in memory. */
  pgliteDir?: string;
  /** Bearer token the collector requires (SAGASCOPE_COLLECTOR_TOKEN), if any. */
  collectorToken?: string;
  /** Sagas per second; default: the config's rate. 0 = no traffic (drive it with POST /sagas). */
  rate?: number;
  /** Run every scenario once first; default: the config's showcase. */
  showcase?: boolean;
  /** Demo configuration (demo/config.ts); default: SAGASCOPE_DEMO_CONFIG or the built-in defaults. */
  config?: unknown;
  /** Ports to listen on; unset = any free port. (`npm start` fixes the DTM's: see demoDtmPort.) */
  ports?: Partial<Record<FleetMember, number>>;
  startupTimeoutMs?: number;
  /** Per process, after SIGTERM, before SIGKILL. */
  stopTimeoutMs?: number;
  /** Where the processes' own log lines go; default: stderr, prefixed with the process name. */
  onLog?: (member: FleetMember, line: string) => void;
}

export interface Fleet {
  orchestratorUrl: string;
  /** The demo's DTM test double: what SAGASCOPE_DTM_SERVERS points the dashboard at. */
  dtmUrl: string;
  serviceUrls: Record<ServiceName, string>;
  pids: Record<FleetMember, number>;
  config: DemoConfig;
  /** Sagas per second the traffic generator runs at. */
  rate: number;
  stop(): Promise<void>;
}

const TSX = pathToFileURL(require.resolve('tsx')).href;

interface Member {
  name: FleetMember;
  child: ChildProcess;
  ready: Promise<string>;
  exited: Promise<number | null>;
}

function spawnMember(name: FleetMember, script: string, args: string[], env: Record<string, string>, opts: FleetOptions): Member {
  const child = spawn(process.execPath, ['--import', TSX, path.join(__dirname, script), ...args], {
    env: { ...process.env, ...env, SAGASCOPE_DEMO_SERVICE: name },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const recent: string[] = [];
  const onLog = opts.onLog ?? ((member: FleetMember, line: string) => process.stderr.write(`[demo ${member}] ${line}\n`));
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        recent.push(line);
        if (recent.length > 20) recent.shift();
        onLog(name, line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.on('message', (msg: ReadyMessage) => {
      if (msg?.type === 'ready') resolve(msg.url);
    });
    void exited.then((code) => reject(new Error(`demo ${name} exited with code ${code} before it was ready:\n${recent.join('\n')}`)));
  });
  ready.catch(() => undefined);
  return { name, child, ready, exited };
}

/** GET /health (or `path`) until it answers 200. */
async function waitHealthy(url: string, deadline: number, path = '/health'): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(`${url}${path}`, { timeout: 1_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url}${path} did not answer in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function within<T>(p: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not ready in time`)), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${url} timed out`)));
    req.end(payload);
  });
}

async function stopMember(m: Member, timeoutMs: number): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) return;
  m.child.kill('SIGTERM');
  const timer = setTimeout(() => m.child.kill('SIGKILL'), timeoutMs);
  await m.exited;
  clearTimeout(timer);
}

/** The demo DTM's fixed port (demo/config.ts demoDtmPort), for callers that load this module only. */
export const demoDtmPortOf = demoDtmPort;

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const config = opts.config === undefined ? loadDemoConfig() : parseDemoConfig(opts.config);
  // Loopback only: the fleet is a local demo, and its participants trust their callers.
  const host = '127.0.0.1';
  const deadline = Date.now() + (opts.startupTimeoutMs ?? 60_000);
  const common: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: opts.otlpEndpoint,
    DATABASE_URL: opts.databaseUrl ?? '',
    SAGASCOPE_DEMO_HOST: host,
    SAGASCOPE_DEMO_CONFIG: JSON.stringify(config),
    ...(opts.pgliteDir ? { SAGASCOPE_DEMO_PGLITE_DIR: path.resolve(opts.pgliteDir) } : {}),
    // Read by the OTLP exporter (as gRPC metadata).
    ...(opts.collectorToken ? { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${opts.collectorToken}` } : {}),
  };
  const portOf = (m: FleetMember) => String(opts.ports?.[m] ?? 0);
  const members: Member[] = [];
  const stopAll = async () => {
    const timeout = opts.stopTimeoutMs ?? 6_000;
    // The orchestrator first, then DTM: their sagas under way still need the participants to finish.
    for (const name of ['orchestrator', 'dtm'] as const) {
      const m = members.find((x) => x.name === name);
      if (m) await stopMember(m, timeout);
    }
    await Promise.all(members.filter((m) => m.name !== 'orchestrator' && m.name !== 'dtm').map((m) => stopMember(m, timeout)));
  };

  try {
    for (const s of SERVICES) {
      members.push(spawnMember(s, 'run-participant.ts', [s], { ...common, SAGASCOPE_DEMO_PORT: portOf(s) }, opts));
    }
    const dtm = spawnMember('dtm', 'run-dtm.ts', [], { ...common, SAGASCOPE_DEMO_PORT: portOf('dtm') }, opts);
    members.push(dtm);
    const urls = await Promise.all(members.slice(0, SERVICES.length).map((m) => within(m.ready, deadline, `demo ${m.name}`)));
    const serviceUrls = Object.fromEntries(SERVICES.map((s, i) => [s, urls[i]])) as Record<ServiceName, string>;
    const dtmUrl = await within(dtm.ready, deadline, 'demo dtm');
    const orchestrator = spawnMember(
      'orchestrator',
      'run-orchestrator.ts',
      [],
      {
        ...common,
        SAGASCOPE_DEMO_PORT: portOf('orchestrator'),
        SAGASCOPE_DEMO_SERVICE_URLS: JSON.stringify(serviceUrls),
        SAGASCOPE_DEMO_DTM_URL: dtmUrl,
      },
      opts,
    );
    members.push(orchestrator);
    const orchestratorUrl = await within(orchestrator.ready, deadline, 'demo orchestrator');
    await Promise.all([...urls, orchestratorUrl].map((u) => waitHealthy(u, deadline)));
    await waitHealthy(dtmUrl, deadline, '/api/ping');

    const rate = opts.rate ?? config.rate;
    if (rate > 0) {
      const r = await postJson(`${orchestratorUrl}/traffic`, { rate, showcase: opts.showcase ?? config.showcase, maxInFlight: config.maxInFlight });
      if (r.status !== 200) throw new Error(`could not start traffic: ${JSON.stringify(r.body)}`);
    }
    let stopped: Promise<void> | null = null;
    return {
      orchestratorUrl,
      dtmUrl,
      serviceUrls,
      config,
      rate,
      pids: Object.fromEntries(members.map((m) => [m.name, m.child.pid ?? -1])) as Record<FleetMember, number>,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

// ---- npm run demo ------------------------------------------------------------------------

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function cli(): Promise<void> {
  const rateArg = argValue('--rate');
  const rate = rateArg === undefined ? undefined : Number(rateArg);
  if (rate !== undefined && !(rate >= 0 && rate <= 20)) throw new Error('--rate must be a number of sagas per second in [0, 20]');
  const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://127.0.0.1:4317';
  const fleet = await startFleet({
    otlpEndpoint,
    databaseUrl: process.env.DATABASE_URL || undefined,
    rate,
    ports: { dtm: demoDtmPort() },
  });
  const effectiveRate = rate ?? fleet.config.rate;
  console.log(
    [
      '',
      `  demo fleet running: ${effectiveRate} saga(s)/s, spans to ${otlpEndpoint}`,
      `  orchestrator:  ${fleet.orchestratorUrl}  (POST /sagas {"flow":"checkout","scenario":"compensation_fails"}, GET /stats)`,
      `  dtm (double):  ${fleet.dtmUrl}  (DTM's HTTP API: point sagascope at it with SAGASCOPE_DTM_SERVERS=${fleet.dtmUrl})`,
      ...SERVICES.map((s) => `  ${s.padEnd(13)}  ${fleet.serviceUrls[s]}`),
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130);
    stopping = true;
    void fleet.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  cli().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
