/** Ctrl-C / SIGTERM: run cleanup once, then exit; a second signal exits at once. */
import { log, errorFields } from '../lib/log';

export function onShutdown(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info('shutting down', { signal });
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    cleanup()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error('shutdown failed', errorFields(err));
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
