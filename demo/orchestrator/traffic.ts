/**
 * The traffic generator: starts sagas at a steady rate, first the showcase
 * (every scenario once, so the dashboard shows each status and anomaly within
 * a minute), then a random mix. Bounded: the rate is capped by the config
 * schema, and a tick is skipped while too many sagas are in flight.
 */
import { showcaseSequence, type Flow, type Scenario } from '../scenarios';
import { log } from '../log';
import type { SagaEngine } from './engine';

export interface TrafficSettings {
  rate: number;
  showcase: boolean;
  maxInFlight: number;
}

export class TrafficGenerator {
  private timer: NodeJS.Timeout | null = null;
  private queue: Array<{ flow: Flow; scenario: Scenario }> = [];
  private settings: TrafficSettings = { rate: 0, showcase: false, maxInFlight: 1 };
  started = 0;
  skipped = 0;

  constructor(private readonly engine: SagaEngine) {}

  configure(settings: TrafficSettings): void {
    this.stop();
    this.settings = settings;
    this.queue = settings.showcase ? showcaseSequence() : [];
    if (settings.rate <= 0) return;
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.round(1000 / settings.rate)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  status(): TrafficSettings & { running: boolean; started: number; skipped: number; showcaseLeft: number } {
    return { ...this.settings, running: this.timer !== null, started: this.started, skipped: this.skipped, showcaseLeft: this.queue.length };
  }

  private tick(): void {
    if (this.engine.inFlight.size >= this.settings.maxInFlight) {
      this.skipped++;
      return;
    }
    let next: { flow: Flow; scenario: Scenario } | undefined = this.queue[0];
    // A refund needs a committed checkout; until there is one, run something else.
    if (next?.flow === 'refund' && !this.engine.canRefund()) next = undefined;
    else if (next) this.queue.shift();
    let flow: Flow | undefined = next?.flow;
    if (!next && !this.engine.canRefund()) flow = Math.random() < 0.5 ? 'checkout' : 'transfer';
    try {
      const saga = this.engine.start(next ? { ...next, natural: false } : { flow, natural: true });
      this.started++;
      saga.done.catch((err) => log.warn('saga crashed', { gid: saga.gid, error: (err as Error).message }));
    } catch (err) {
      log.warn('could not start a saga', { error: (err as Error).message });
    }
  }
}
