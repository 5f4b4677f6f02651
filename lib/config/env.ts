/**
 * Configuration from the environment, validated once with zod. Every process
 * (UI server, collector, scripts) reads settings through `loadConfig()` so a bad
 * value fails fast with a message naming the variable.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseAllowlist } from '../actions/host-allowlist';
import { parseCidr } from '../actions/address-policy';
import { KEY_FORMAT_HINT, decodeKeyBytes } from '../audit/checkpoint';
import { sagaNameRulesSetting } from './saga-name-rules';
import { parseDtmServer } from '../dtm/servers';
import { parseKeyAttributes } from '../search/keys';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);
/** Unset or empty → undefined. */
const optionalText = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined));
/** 32 key bytes as text (lib/audit/checkpoint.ts decodeKeyBytes). */
const optionalKey = () => optionalText().refine((v) => v === undefined || decodeKeyBytes(v) !== null, { message: KEY_FORMAT_HINT });
/** A comma-separated list, each entry checked by `parse` (which throws with a message). */
const checkedList = (parse: (entry: string) => unknown) =>
  z
    .string()
    .default('')
    .superRefine((text, ctx) => {
      for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
        try {
          parse(entry);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }
    });

const MAX_INGEST_WORKERS = 64;
/** Unset or empty: undefined (not 0, which means "no workers"). */
const workerCount = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.coerce.number().int().min(0).max(MAX_INGEST_WORKERS).optional());

/** SAGASCOPE_INGEST_WORKERS when unset: every core but the main thread's, at least one worker. */
export function defaultIngestWorkers(cores = availableParallelism()): number {
  return Math.min(MAX_INGEST_WORKERS, Math.max(1, cores - 1));
}

export const envSchema = z.object({
  /** Postgres server. Unset → embedded PGlite under SAGASCOPE_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
      message: 'must be a postgres:// or postgresql:// URL',
    }),
  SAGASCOPE_DATA_DIR: z.string().default('.data/pglite'),
  /** Interface the UI and collector bind to (0.0.0.0 in containers). */
  SAGASCOPE_HOST: z.string().default('127.0.0.1'),
  PORT: port(3000),
  COLLECTOR_GRPC_PORT: port(4317),
  COLLECTOR_HTTP_PORT: port(4318),
  /**
   * Largest OTLP request accepted, on the wire and after decompression (the decode budget on bytes);
   * more → 413 / RESOURCE_EXHAUSTED. 16 MiB: the OTel Collector takes 20 MiB over HTTP, 4 MiB over gRPC.
   */
  SAGASCOPE_MAX_REQUEST_BYTES: int(16 * 1024 * 1024, 1024),
  /** Spans in one OTLP request; more → 413 / RESOURCE_EXHAUSTED. */
  SAGASCOPE_MAX_SPANS_PER_REQUEST: int(100_000, 1),
  /** Decode budget: entries of one list (attributes, array value, key-value list, events); more → 400 / INVALID_ARGUMENT. */
  SAGASCOPE_DECODE_MAX_LIST_VALUES: int(10_000, 1),
  /** Decode budget: values in one request (lib/otlp/decode-budget.ts says what counts); more → 400 / INVALID_ARGUMENT. */
  SAGASCOPE_DECODE_MAX_VALUES: int(1_000_000, 1),
  /** Decode budget: nesting of array / key-value list attribute values; a deeper span is rejected (partial success). */
  SAGASCOPE_DECODE_MAX_DEPTH: z.coerce.number().int().min(1).max(128).default(32),
  /**
   * Ingest worker threads: they unpack and decode OTLP requests and build the rows' COPY text, off the main thread
   * (which serves the UI and runs the transactions); 0 = all on the main thread. Unset: cores − 1, at least 1
   * (resolved in parseConfig, ADR 0014).
   */
  SAGASCOPE_INGEST_WORKERS: workerCount,
  /** Deprecated alias of SAGASCOPE_INGEST_WORKERS (its name before the workers built rows too); read only when that is unset. */
  SAGASCOPE_DECODE_WORKERS: workerCount,
  /** Attributes kept per span / event / resource; the rest are dropped and the span flagged (sagascope.truncated). */
  SAGASCOPE_MAX_ATTRIBUTES: int(256, 1),
  /** Characters kept of any string value (attribute, span name, status message); longer ones are cut and flagged. */
  SAGASCOPE_MAX_ATTRIBUTE_LENGTH: int(16_384, 16),
  /** Events kept per span; the rest are dropped and the span flagged. */
  SAGASCOPE_MAX_EVENTS: int(256, 0),
  /** Spans of one saga the model covers (the earliest by start); later ones are stored but leave the summary as it is. */
  SAGASCOPE_MAX_SAGA_SPANS: int(100_000, 10),
  /** Spans waiting for the database before the collector answers 503 / UNAVAILABLE. */
  SAGASCOPE_INGEST_MAX_QUEUE_SPANS: int(200_000, 1),
  /** Spans per database transaction (group commit of concurrent requests). */
  SAGASCOPE_INGEST_BATCH_SPANS: int(5_000, 1),
  /** Concurrent writer transactions (server mode; embedded mode always uses 1). */
  SAGASCOPE_INGEST_WRITERS: int(3, 1),
  /** How long a batch is written again while the database is briefly away (restart, killed connections) before its requests get 503 / UNAVAILABLE; 0 = not at all. Keep it below the exporters' timeout (OTel SDKs: 10 s). */
  SAGASCOPE_INGEST_DB_RETRY_MS: int(5_000, 0),
  SAGASCOPE_DB_POOL_SIZE: int(10, 1),
  SAGASCOPE_STUCK_AFTER_MS: int(300_000, 1),
  SAGASCOPE_FAILED_GRACE_MS: int(60_000, 0),
  SAGASCOPE_MAX_ATTEMPTS: int(5, 1),
  /** Names for sagas without saga.name (zero-code DTM sagas): a JSON array of {"name","gid"?,"route"?} (lib/config/saga-name-rules.ts). */
  SAGASCOPE_SAGA_NAME_RULES: sagaNameRulesSetting,
  /**
   * Attribute names (comma-separated) whose values are a saga's business keys, besides every
   * `saga.key.<name>` (lib/search/keys.ts). Unset: the default list in README "Finding a saga";
   * `+a,b` adds to it; `none`: saga.key.* only; `off`: no business keys at all.
   */
  SAGASCOPE_KEY_ATTRIBUTES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseKeyAttributes(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** Spans whose start_time is older than this many days are deleted by the collector (0 = keep forever). */
  SAGASCOPE_RETENTION_DAYS: int(7, 0),
  /**
   * `daily`: spans partitioned by day on start_time (lib/db/span-partitions.ts, ADR 0013);
   * the plain table is converted on start. There is no way back but a dump and reload.
   */
  SAGASCOPE_SPAN_PARTITIONS: z.enum(['none', 'daily']).default('none'),
  /** How often the collector's retention pass runs. */
  SAGASCOPE_RETENTION_INTERVAL_MS: int(600_000, 1_000),
  /** Rollups (chart and topology aggregates) older than this many days are deleted (0 = keep forever). */
  SAGASCOPE_ROLLUP_RETENTION_DAYS: int(90, 0),
  /** How often the collector makes due timed status changes (running → stuck, …) permanent for rollups and alerts. */
  SAGASCOPE_TRANSITION_INTERVAL_MS: int(5_000, 100),
  /** How often the collector folds pending rollup changes into the rollup tables (lib/stats/rollup-writer.ts). */
  SAGASCOPE_ROLLUP_COMPACT_INTERVAL_MS: int(2_000, 100),
  /** Optional bearer token the collector requires from senders. */
  SAGASCOPE_COLLECTOR_TOKEN: z.string().min(16).optional(),
  /** `npm start` runs the collector in the UI process; set false when it runs separately. */
  SAGASCOPE_START_COLLECTOR: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  SAGASCOPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * `npm start` also runs the demo fleet (demo/) with traffic against its collector. Unset: only
   * with the embedded database — a server's data is someone's (server/demo.ts). `--demo` / `--no-demo` win.
   */
  SAGASCOPE_DEMO: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  /** Who may read (ADR 0002): `auto` = sign-in required once a user exists; `on` always; `off` = anonymous may read. */
  SAGASCOPE_AUTH: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Refuse every mutating action except login/logout (like Temporal's disableWriteActions). */
  SAGASCOPE_READ_ONLY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Lifetime of a browser session (absolute, from sign-in). */
  SAGASCOPE_SESSION_TTL_MINUTES: int(720, 1),
  /** External URL of the UI (behind a proxy): its origin is the one mutating requests must come from. */
  SAGASCOPE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-Host / -Proto / -For
   * headers are believed (lib/http/forwarded.ts). Empty: those headers are ignored from everyone.
   */
  SAGASCOPE_TRUSTED_PROXIES: checkedList(parseCidr),
  /** Sign-in attempts per (user name, client address) before that pair is locked out (lib/auth/throttle.ts). */
  SAGASCOPE_LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(5),
  /** The first lockout of a (user name, address) pair; each consecutive one doubles it. */
  SAGASCOPE_LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** The longest lockout. */
  SAGASCOPE_LOGIN_LOCKOUT_MAX_SECONDS: z.coerce.number().int().min(1).max(7 * 86_400).default(3_600),
  /** Sign-in attempts per user name per 15 minutes from all addresses together, beyond which only addresses the user has signed in from may try (0 = no ceiling). */
  SAGASCOPE_LOGIN_ACCOUNT_MAX_ATTEMPTS: int(100, 0),
  /** First-start setup token to use instead of a random one (automation); only valid while no user exists. */
  SAGASCOPE_SETUP_TOKEN: z.string().min(24).optional(),
  /**
   * Manual actions (lib/actions): the only hosts they may call, comma-separated
   * `host`, `host:port` or `*.suffix`. Empty: every manual action is refused.
   */
  SAGASCOPE_ACTION_ALLOWED_HOSTS: checkedList((entry) => parseAllowlist(entry)),
  /** Address ranges (CIDR, comma-separated) manual actions never connect to, on top of the always-blocked ones. */
  SAGASCOPE_ACTION_BLOCKED_CIDRS: checkedList(parseCidr),
  /** Each manual call is abandoned after this long. */
  SAGASCOPE_ACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  /**
   * Alert webhooks (lib/alerts): the only hosts a rule's webhook URL may point at,
   * comma-separated `host`, `host:port` or `*.suffix`. Empty: no rule can be saved.
   */
  SAGASCOPE_ALERT_WEBHOOK_ALLOWED_HOSTS: checkedList((entry) => parseAllowlist(entry)),
  /** Address ranges (CIDR, comma-separated) webhooks never connect to, on top of the always-blocked ones. */
  SAGASCOPE_ALERT_WEBHOOK_BLOCKED_CIDRS: checkedList(parseCidr),
  /** Each webhook attempt is abandoned after this long. */
  SAGASCOPE_ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** How often the collector sends due webhook deliveries. */
  SAGASCOPE_ALERT_INTERVAL_MS: int(1_000, 50),
  /** How often the collector evaluates failure-rate rules. */
  SAGASCOPE_ALERT_RATE_INTERVAL_MS: int(15_000, 100),
  /** First retry delay of a failed delivery; doubles per attempt (with jitter), capped at 10 minutes. */
  SAGASCOPE_ALERT_BACKOFF_BASE_MS: int(2_000, 1),
  /** Attempts before a delivery is given up (state failed). */
  SAGASCOPE_ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /**
   * Audit checkpoints (lib/audit/anchor.ts): Ed25519 private key (32-byte seed) that signs the chain's
   * head. Unset: read from SAGASCOPE_AUDIT_KEY_FILE, generated there once if missing. Never stored in the database.
   */
  SAGASCOPE_AUDIT_KEY: optionalKey(),
  /** Key file when SAGASCOPE_AUDIT_KEY is unset; default `$XDG_CONFIG_HOME/sagascope/audit-key` (outside the data directory). */
  SAGASCOPE_AUDIT_KEY_FILE: optionalText(),
  /** Ed25519 public key (32 bytes): lets `audit:verify` check checkpoints without the signing key. */
  SAGASCOPE_AUDIT_PUBLIC_KEY: optionalKey(),
  /** External witness: every checkpoint is also appended here as a JSON line (and always logged). */
  SAGASCOPE_AUDIT_WITNESS_FILE: optionalText(),
  /** How often `npm start` checkpoints the audit chain's head (when it moved). */
  SAGASCOPE_AUDIT_CHECKPOINT_INTERVAL_MS: int(60_000, 1_000),
  /**
   * DTM servers (lib/dtm): comma-separated HTTP base URLs (`http://dtm:36789`, DTM's HTTP port). sagascope reads
   * each saga's coordinator view from them and sends the coordinator's controls there, and nowhere else. Empty: off.
   */
  SAGASCOPE_DTM_SERVERS: checkedList(parseDtmServer),
  /** Each call to DTM is abandoned after this long (the page then says DTM did not answer). */
  SAGASCOPE_DTM_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(1_500),
  /** How long one DTM answer for a saga is reused (page reloads, page + API). */
  SAGASCOPE_DTM_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** How often the follower lists DTM's unfinished transactions; at most a day (DTM keeps finished data 7 days by default). */
  SAGASCOPE_DTM_POLL_MS: z.coerce.number().int().min(200).max(86_400_000).default(5_000),
  /** Largest DTM answer read; a larger one is refused as garbage. */
  SAGASCOPE_DTM_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1_024).max(256 * 1024 * 1024).default(4 * 1024 * 1024),
  /** OTLP/gRPC endpoint for the UI's own spans (manual actions); unset: http://127.0.0.1:COLLECTOR_GRPC_PORT (lib/telemetry). */
  SAGASCOPE_SELF_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
});

/** The alias is folded into SAGASCOPE_INGEST_WORKERS, which is always resolved to a number. */
export type Config = Omit<z.infer<typeof envSchema>, 'SAGASCOPE_INGEST_WORKERS' | 'SAGASCOPE_DECODE_WORKERS'> & { SAGASCOPE_INGEST_WORKERS: number };

export class ConfigError extends Error {}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (parsed.success && !parsed.data.DATABASE_URL && !parsed.data.SAGASCOPE_START_COLLECTOR) {
    throw new ConfigError('invalid configuration:\n  SAGASCOPE_START_COLLECTOR: false needs DATABASE_URL (the embedded database belongs to one process)');
  }
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const { SAGASCOPE_INGEST_WORKERS: workers, SAGASCOPE_DECODE_WORKERS: alias, ...rest } = parsed.data;
  if (workers !== undefined && alias !== undefined && workers !== alias) {
    throw new ConfigError(
      `invalid configuration:\n  SAGASCOPE_DECODE_WORKERS: ${alias} contradicts SAGASCOPE_INGEST_WORKERS: ${workers} (the old name is an alias; set only SAGASCOPE_INGEST_WORKERS)`,
    );
  }
  return { ...rest, SAGASCOPE_INGEST_WORKERS: workers ?? alias ?? defaultIngestWorkers() };
}

let cached: Config | undefined;
export function loadConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}
