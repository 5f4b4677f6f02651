/**
 * What every fleet process shares: its environment (validated), telling the
 * fleet runner it is listening, and stopping cleanly — on SIGTERM, and when the
 * runner itself goes away (the IPC channel closes), so no demo process outlives
 * its fleet.
 */
import { z } from 'zod';
import { log } from '../log';

export const childEnvSchema = z.object({
  SAGASCOPE_DEMO_HOST: z.string().default('127.0.0.1'),
  SAGASCOPE_DEMO_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://127.0.0.1:4317'),
  DATABASE_URL: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgres:// URL' }),
  /** PGlite data directory per service (`<dir>/<service>`); unset = in memory. */
  SAGASCOPE_DEMO_PGLITE_DIR: z.string().optional(),
});
export type ChildEnv = z.infer<typeof childEnvSchema>;

export function parseChildEnv(env: Record<string, string | undefined> = process.env): ChildEnv {
  const parsed = childEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid demo environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export interface ReadyMessage {
  type: 'ready';
  service: string;
  url: string;
}

export function announceReady(service: string, url: string): void {
  const msg: ReadyMessage = { type: 'ready', service, url };
  if (process.send) process.send(msg);
  else console.log(`${service} listening on ${url}`);
}

/** Runs `cleanup` once on the first stop signal, then exits; exits at once if cleanup hangs. */
export function onStop(service: string, cleanup: () => Promise<void>, graceMs = 8_000): void {
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { why });
    setTimeout(() => process.exit(1), graceMs).unref();
    cleanup()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error('stop failed', { service, error: (err as Error).message });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Ctrl-C reaches the whole process group. Under a fleet runner, it decides the order of
  // the stop (orchestrator first, so sagas under way can finish); run alone, stop now.
  process.on('SIGINT', () => (process.send ? undefined : stop('SIGINT')));
  process.on('disconnect', () => stop('fleet runner gone'));
}

export function fatal(service: string, err: unknown): never {
  log.error('failed to start', { service, error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
