/**
 * `npm start`'s demo fleet (demo/fleet.ts): on by default so that a first start
 * shows a live system, off with `--no-demo` or SAGASCOPE_DEMO=false.
 *
 * The fleet's stalled and half-compensated sagas only become `stuck` and
 * `failed` once the model's thresholds pass; with the defaults (5 min, 1 min)
 * a first look would see neither. So when the demo runs and the user has not
 * chosen thresholds, shorter ones are used, and said so.
 */
import { parseConfig } from '../lib/config/env';

export const DEMO_THRESHOLDS: Readonly<Record<string, string>> = {
  SAGASCOPE_STUCK_AFTER_MS: '30000',
  SAGASCOPE_FAILED_GRACE_MS: '10000',
  // The fleet listens on loopback: let manual actions reach it unless the user chose hosts.
  SAGASCOPE_ACTION_ALLOWED_HOSTS: '127.0.0.1',
};

export interface DemoDecision {
  run: boolean;
  /** Why not, when it does not run. */
  reason: string | null;
  /** Threshold variables set to the demo's values (the user had not set them). */
  thresholds: string[];
}

/**
 * Decides whether the demo runs and, if so, fills in the unset thresholds in
 * `env` (before the configuration is loaded, so that the collector and the UI's
 * routes, which read it separately, agree).
 */
export function prepareDemo(argv: readonly string[], env: Record<string, string | undefined>): DemoDecision {
  if (argv.includes('--no-demo')) return { run: false, reason: '--no-demo', thresholds: [] };
  const config = parseConfig(env);
  if (!config.SAGASCOPE_DEMO) return { run: false, reason: 'SAGASCOPE_DEMO=false', thresholds: [] };
  // The fleet sends to the collector of this process; a separate collector is not ours to feed.
  if (!config.SAGASCOPE_START_COLLECTOR) return { run: false, reason: 'the collector runs separately', thresholds: [] };
  const thresholds: string[] = [];
  for (const [name, value] of Object.entries(DEMO_THRESHOLDS)) {
    if (env[name] === undefined || env[name] === '') {
      env[name] = value;
      thresholds.push(name);
    }
  }
  return { run: true, reason: null, thresholds };
}

/** The address the fleet reaches this process's collector at. */
export function collectorEndpoint(host: string, grpcPort: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${grpcPort}`;
}
