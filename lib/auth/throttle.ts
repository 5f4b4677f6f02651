/**
 * Failed sign-ins per user name, in this process: after MAX_FAILURES within
 * WINDOW_MS the name is refused until the window has passed. Bounded memory.
 */
const MAX_FAILURES = 10;
const WINDOW_MS = 15 * 60_000;
const MAX_NAMES = 10_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures = MAX_FAILURES,
    private readonly windowMs = WINDOW_MS,
  ) {}

  private recent(name: string, nowMs: number): number[] {
    const list = (this.failures.get(name) ?? []).filter((t) => nowMs - t < this.windowMs);
    if (list.length === 0) this.failures.delete(name);
    else this.failures.set(name, list);
    return list;
  }

  allow(name: string, nowMs: number): boolean {
    return this.recent(name, nowMs).length < this.maxFailures;
  }

  fail(name: string, nowMs: number): void {
    const list = this.recent(name, nowMs);
    list.push(nowMs);
    this.failures.delete(name);
    this.failures.set(name, list.slice(-this.maxFailures));
    // Oldest-touched names go first when full.
    while (this.failures.size > MAX_NAMES) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(name: string): void {
    this.failures.delete(name);
  }
}
