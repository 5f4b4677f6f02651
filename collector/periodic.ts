/**
 * A background task the collector runs every `intervalMs`: one pass at a time
 * (the next is scheduled when the previous ends), failures logged and retried on
 * the next tick, never thrown; the timer is unref'd so it never keeps the
 * process alive; `stop()` waits for the pass in progress.
 */
import { log, errorFields } from '../lib/log';

export interface PeriodicTask<T> {
  /** Runs a pass now, or joins the one in progress. Null when the pass failed. */
  runNow(): Promise<T | null>;
  stop(): Promise<void>;
}

export function startPeriodic<T>(name: string, intervalMs: number, pass: (stopped: () => boolean) => Promise<T>): PeriodicTask<T> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<T | null> | null = null;
  const runNow = (): Promise<T | null> => {
    running ??= pass(() => stopped)
      .catch((err: unknown) => {
        if (!stopped) log.error(`${name} failed`, errorFields(err));
        return null;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void runNow().then(schedule), intervalMs);
    timer.unref();
  };
  schedule();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
