/**
 * `npm start`'s demo fleet (demo/fleet.ts): real services running sagas, with
 * injected faults, against this process's collector.
 *
 * It runs by default only with the embedded database: that database is the
 * demo's own. With DATABASE_URL the server is the user's — `npm start` is how
 * the README deploys on one's own PostgreSQL — and the fleet would write demo
 * sagas (and the demo services' schemas) into it, shorten the stuck / failed
 * thresholds and let manual actions call 127.0.0.1. There it runs only when
 * asked: `--demo` or SAGASCOPE_DEMO=true. `--no-demo` or SAGASCOPE_DEMO=false
 * turn it off anywhere; the command line wins over the environment.
 *
 * The fleet's stalled and half-compensated sagas only become `stuck` and
 * `failed` once the model's thresholds pass; with the defaults (5 min, 1 min)
 * a first look would see neither. So when the demo runs and the user has not
 * chosen thresholds, shorter ones are used, and said so.
 */
import { ConfigError, parseConfig } from '../lib/config/env';
import { DemoConfigError, demoDtmUrl } from '../demo/config';

export const DEMO_THRESHOLDS: Readonly<Record<string, string>> = {
  SAGASCOPE_STUCK_AFTER_MS: '30000',
  SAGASCOPE_FAILED_GRACE_MS: '10000',
  // The fleet listens on loopback: let manual actions reach it unless the user chose hosts.
  SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1',
};

export interface DemoDecision {
  run: boolean;
  /** The database the demo writes into (or would): the embedded one or the user's server. */
  database: 'embedded' | 'server';
  /** What asked for it: the default (embedded database only), the flag or the variable; null when it does not run. */
  by: 'default' | '--demo' | 'SAGASCOPE_DEMO=true' | null;
  /** Why not, when it does not run. */
  reason: string | null;
  /** Threshold variables set to the demo's values (the user had not set them). */
  thresholds: string[];
  /** SAGASCOPE_DTM_SERVERS as set for the demo's DTM test double; null when the user set it (or no demo). */
  dtmServers: string | null;
}

/**
 * Decides whether the demo runs and, if so, fills in the unset thresholds in
 * `env` (before the configuration is loaded, so that the collector and the UI's
 * routes, which read it separately, agree).
 */
export function prepareDemo(argv: readonly string[], env: Record<string, string | undefined>): DemoDecision {
  const flagOn = argv.includes('--demo');
  const flagOff = argv.includes('--no-demo');
  if (flagOn && flagOff) throw new ConfigError('invalid command line: --demo and --no-demo contradict each other');
  const config = parseConfig(env);
  const database = config.DATABASE_URL ? 'server' : 'embedded';
  const off = (reason: string): DemoDecision => ({ run: false, database, by: null, reason, thresholds: [], dtmServers: null });
  if (flagOff) return off('--no-demo');
  if (!flagOn && config.SAGASCOPE_DEMO === false) return off('SAGASCOPE_DEMO=false');
  // The fleet sends to the collector of this process; a separate collector is not ours to feed.
  if (!config.SAGASCOPE_START_COLLECTOR) return off('the collector runs separately (SAGASCOPE_START_COLLECTOR=false)');
  const by = flagOn ? '--demo' : config.SAGASCOPE_DEMO === true ? 'SAGASCOPE_DEMO=true' : 'default';
  if (by === 'default' && database === 'server') return off('DATABASE_URL is set');
  const thresholds: string[] = [];
  for (const [name, value] of Object.entries(DEMO_THRESHOLDS)) {
    if (env[name] === undefined || env[name] === '') {
      env[name] = value;
      thresholds.push(name);
    }
  }
  // The dashboard reads the demo's DTM (its test double, demo/dtm) from the first minute,
  // unless the user points it at DTM servers of their own.
  let dtmServers: string | null = null;
  if (env.SAGASCOPE_DTM_SERVERS === undefined || env.SAGASCOPE_DTM_SERVERS === '') {
    try {
      dtmServers = env.SAGASCOPE_DTM_SERVERS = demoDtmUrl(env);
    } catch (err) {
      if (err instanceof DemoConfigError) throw new ConfigError(err.message);
      throw err;
    }
  }
  return { run: true, database, by, reason: null, thresholds, dtmServers };
}

const FLEET = 'order, inventory, payment, shipping, orchestrator, dtm';

/** The start banner's lines about the demo (`env`: the environment after prepareDemo, for the thresholds' values). */
export function demoBannerLines(d: DemoDecision, env: Record<string, string | undefined>): string[] {
  const label = (s: string) => `  ${s.padEnd(20)}`;
  const lines: string[] = [];
  if (!d.run) {
    lines.push(d.reason === 'DATABASE_URL is set'
      ? `${label('demo fleet:')}off (DATABASE_URL is set: your database gets no demo data; \`npm start -- --demo\` runs it there)`
      : `${label('demo fleet:')}off (${d.reason})`);
    return lines;
  }
  lines.push(d.database === 'server'
    ? `${label('demo fleet:')}starting (${d.by}): demo sagas go into this PostgreSQL database, its services into schemas demo_*; off with --no-demo`
    : `${label('demo fleet:')}starting (${FLEET}; off with --no-demo)`);
  if (d.thresholds.length > 0) {
    lines.push(`${label('demo thresholds:')}${d.thresholds.map((n) => `${n}=${env[n]}`).join(', ')} (set them to override)`);
  }
  if (d.dtmServers !== null) {
    lines.push(`${label('demo DTM:')}SAGASCOPE_DTM_SERVERS=${d.dtmServers} (the demo's DTM test double; set it to read your own DTM)`);
  }
  return lines;
}

/** The address the fleet reaches this process's collector at. */
export function collectorEndpoint(host: string, grpcPort: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${grpcPort}`;
}
