/**
 * The demo fleet's configuration: one zod schema, every field defaulted, so an
 * empty config is a mostly healthy system with a few percent of each kind of
 * trouble. Given as JSON in SAGASCOPE_DEMO_CONFIG (inline, or a path to a .json
 * file) and passed unchanged to every process of the fleet, so the orchestrator
 * (which plans every fault) and the fleet runner agree on it.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { SCENARIOS } from './scenarios';

const rate = z.number().min(0).max(1);
const ms = (def: number, max = 60_000) => z.number().int().min(0).max(max).default(def);

/** Natural trouble of one step, sampled per saga for the `healthy` scenario. */
const stepFaults = z
  .object({
    /** The action is refused for a business reason (HTTP 409) → the saga compensates. */
    failureRate: rate.default(0.02),
    /** An attempt answers 503; the orchestrator retries with backoff. */
    transientErrorRate: rate.default(0.04),
    /** The first attempt outlasts the call timeout; the retry wins and the late attempt is a barrier no-op. */
    slowRate: rate.default(0.01),
    /** Processing time of every call, uniformly in [min, max]. */
    latencyMs: z.tuple([z.number().int().min(0), z.number().int().min(0)]).default([5, 40]),
  })
  .refine((s) => s.latencyMs[0] <= s.latencyMs[1], { message: 'latencyMs must be [min, max] with min <= max' });

/** Step names of the flows (see orchestrator/flows.ts). */
export const STEP_NAMES = [
  'create-order', 'reserve-inventory', 'charge-payment', 'book-shipping',
  'refund-payment', 'restock-inventory', 'refund-order',
  'debit-source', 'credit-target',
  'credit-points',
  'take-stock', 'put-stock',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

const scenarioWeights = z
  .object(Object.fromEntries(SCENARIOS.map((s) => [s, rate.optional()])) as Record<(typeof SCENARIOS)[number], z.ZodOptional<typeof rate>>)
  .strict();

export const demoConfigSchema = z
  .object({
    /** Sagas started per second by the traffic generator (0 = none; tests drive sagas themselves). */
    rate: z.number().min(0).max(20).default(2),
    /** Concurrent sagas above which the generator skips a tick instead of piling up. */
    maxInFlight: z.number().int().min(1).max(200).default(40),
    /** Run every scenario once at the start of traffic, so each status and anomaly shows within a minute. */
    showcase: z.boolean().default(true),
    /** Seed of the orchestrator's random choices; unset = different every run. */
    seed: z.number().int().optional(),
    flows: z
      .object({
        checkout: rate.default(0.5),
        refund: rate.default(0.15),
        transfer: rate.default(0.15),
        loyalty: rate.default(0.1),
        'stock-move': rate.default(0.1),
      })
      .default({ checkout: 0.5, refund: 0.15, transfer: 0.15, loyalty: 0.1, 'stock-move': 0.1 }),
    /**
     * Probability per saga of each injected trouble (the rest is `healthy`).
     * Scenarios a flow cannot show are not drawn for it (see scenarios.ts).
     */
    scenarios: scenarioWeights.default({}),
    /** Per-step natural trouble; `default` applies to steps not listed. */
    steps: z
      .object({ default: stepFaults.optional() })
      .catchall(stepFaults)
      .default({})
      .refine((o) => Object.keys(o).every((k) => k === 'default' || (STEP_NAMES as readonly string[]).includes(k)), {
        message: `step names are: default, ${STEP_NAMES.join(', ')}`,
      }),
    /** Per call: the orchestrator gives up on an attempt after this long. */
    callTimeoutMs: ms(1_500, 30_000),
    retry: z
      .object({
        /** Attempts of a forward call (first try included) on 5xx, timeouts and network errors. */
        maxAttempts: z.number().int().min(1).max(10).default(3),
        /** Attempts of a compensation before the orchestrator gives up on it. */
        compensationMaxAttempts: z.number().int().min(1).max(10).default(4),
        baseDelayMs: ms(100, 10_000),
        maxDelayMs: ms(2_000),
      })
      .default({ maxAttempts: 3, compensationMaxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 }),
    /** How long the "network" holds a delayed request (hanging_action): longer than a call timeout. */
    hangDelayMs: ms(3_000),
    /** Slow first attempts take this long (slowRate, duplicate_execution): longer than a call timeout. */
    slowCallMs: ms(3_000),
    /** Attempts of the retry storm (no backoff): above the dashboard's SAGASCOPE_MAX_ATTEMPTS (5). */
    stormAttempts: z.number().int().min(4).max(20).default(8),
    /**
     * The DTM test double's server settings (demo/dtm; DTM's own defaults, dtmsvr/config/config.go).
     * Shorter values make its retries and check-backs quicker (tests).
     */
    dtm: z
      .object({
        retryIntervalS: z.number().int().min(1).max(3_600).default(10),
        timeoutToFailS: z.number().int().min(1).max(3_600).default(35),
        requestTimeoutS: z.number().int().min(1).max(60).default(3),
        /** Seconds between the cron's looks for due transactions; fractions allowed for tests. */
        cronIntervalS: z.number().min(0.05).max(60).default(3),
      })
      .default({ retryIntervalS: 10, timeoutToFailS: 35, requestTimeoutS: 3, cronIntervalS: 3 }),
  })
  .superRefine((c, ctx) => {
    if (c.hangDelayMs <= c.callTimeoutMs) ctx.addIssue({ code: 'custom', path: ['hangDelayMs'], message: 'must exceed callTimeoutMs' });
    if (c.slowCallMs <= c.callTimeoutMs) ctx.addIssue({ code: 'custom', path: ['slowCallMs'], message: 'must exceed callTimeoutMs' });
  });

export type DemoConfig = z.infer<typeof demoConfigSchema>;
export type StepFaults = z.infer<typeof stepFaults>;

/** The defaults: a few percent of each trouble. */
export const DEFAULT_SCENARIO_WEIGHTS: Readonly<Record<(typeof SCENARIOS)[number], number>> = {
  healthy: 0,
  // Also drawn as the natural slowRate of healthy sagas.
  retried_timeout: 0,
  action_fails: 0.04,
  compensation_fails: 0.02,
  compensation_skipped: 0.02,
  compensation_out_of_order: 0.02,
  duplicate_execution: 0.02,
  stalled: 0.01,
  retry_storm: 0.02,
  orphan: 0.02,
  hanging_action: 0.02,
  compensation_retried: 0.05,
  submit_lost: 0.05,
};

export class DemoConfigError extends Error {}

/**
 * The demo's DTM test double listens here (loopback). A fixed port, so that
 * `npm start` can point the dashboard at it (SAGASCOPE_DTM_SERVERS) before the
 * fleet starts. Not DTM's own 36789: a real DTM on the same machine keeps it.
 */
export const DEFAULT_DEMO_DTM_PORT = 36_788;

export function demoDtmPort(env: Record<string, string | undefined> = process.env): number {
  const raw = env.SAGASCOPE_DEMO_DTM_PORT?.trim();
  if (!raw) return DEFAULT_DEMO_DTM_PORT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new DemoConfigError(`SAGASCOPE_DEMO_DTM_PORT must be a port number (0 = any free port), not ${raw}`);
  return n;
}

/** The demo DTM's base URL (what SAGASCOPE_DTM_SERVERS gets), for a fixed port. */
export function demoDtmUrl(env: Record<string, string | undefined> = process.env): string {
  return `http://127.0.0.1:${demoDtmPort(env)}`;
}

export function parseDemoConfig(input: unknown): DemoConfig {
  const parsed = demoConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DemoConfigError(`invalid demo configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** SAGASCOPE_DEMO_CONFIG: inline JSON (starts with `{`) or a path to a JSON file; unset = defaults. */
export function loadDemoConfig(env: Record<string, string | undefined> = process.env): DemoConfig {
  const raw = env.SAGASCOPE_DEMO_CONFIG?.trim();
  if (!raw) return parseDemoConfig({});
  let text = raw;
  if (!raw.startsWith('{')) {
    try {
      text = fs.readFileSync(raw, 'utf8');
    } catch (err) {
      throw new DemoConfigError(`SAGASCOPE_DEMO_CONFIG: cannot read ${raw}: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DemoConfigError(`SAGASCOPE_DEMO_CONFIG: not valid JSON: ${(err as Error).message}`);
  }
  return parseDemoConfig(json);
}

/** Faults of a step: its own entry over `default` over the built-in defaults. */
export function faultsOf(config: DemoConfig, step: StepName): StepFaults {
  return config.steps[step] ?? config.steps.default ?? stepFaults.parse({});
}

/** Effective scenario weights: configured ones over the defaults. */
export function scenarioWeightsOf(config: DemoConfig): Record<(typeof SCENARIOS)[number], number> {
  const out = { ...DEFAULT_SCENARIO_WEIGHTS };
  for (const s of SCENARIOS) {
    const w = config.scenarios[s];
    if (w !== undefined) out[s] = w;
  }
  return out;
}
