import { describe, it, expect } from 'vitest';
import { IngestPipeline } from './pipeline';
import { CommittedBatchError, ExportError } from './errors';
import type { SpanRow } from './span-row';

const row = (i: number, sagaId: string | null = 's', parent: string | null = null): SpanRow =>
  ({ traceId: 't'.repeat(32), spanId: String(i).padStart(16, '0'), parentSpanId: parent, sagaId }) as SpanRow;

function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('IngestPipeline', () => {
  it('acknowledges a request only after the batch holding it is written', async () => {
    const gate = deferred();
    const written: SpanRow[][] = [];
    const p = new IngestPipeline({
      maxQueueSpans: 100, batchSpans: 10, writers: 1,
      write: async (rows) => { written.push(rows); await gate.promise; return { stored: rows.length }; },
    });
    let acked = false;
    const done = p.submit([row(1)]).then(() => (acked = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(acked).toBe(false);
    gate.resolve();
    await done;
    expect(acked).toBe(true);
    expect(written).toHaveLength(1);
  });

  it('groups queued requests into one transaction up to batchSpans', async () => {
    const gate = deferred();
    const sizes: number[] = [];
    const p = new IngestPipeline({
      maxQueueSpans: 1000, batchSpans: 5, writers: 1,
      write: async (rows) => { sizes.push(rows.length); await gate.promise; return { stored: rows.length }; },
    });
    const all = [p.submit([row(1)]), p.submit([row(2), row(3)]), p.submit([row(4), row(5)]), p.submit([row(6)])];
    gate.resolve();
    await Promise.all(all);
    // first request starts alone; the next three are grouped up to 5 spans
    expect(sizes).toEqual([1, 5]);
  });

  it('starts a transaction beside a running one only for a full batch', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const sizes: number[] = [];
    const p = new IngestPipeline({
      maxQueueSpans: 1000, batchSpans: 4, writers: 3,
      write: async (rows) => { sizes.push(rows.length); const g = deferred(); gates.push(g); await g.promise; return { stored: rows.length }; },
    });
    const all = [p.submit([row(1)])]; // nothing running: written at once, alone
    all.push(p.submit([row(2)]), p.submit([row(3), row(4)])); // 3 spans waiting: not a full batch yet
    expect(sizes).toEqual([1]);
    all.push(p.submit([row(5)])); // 4 waiting: a full batch goes beside the first
    expect(sizes).toEqual([1, 4]);
    all.push(p.submit([row(6)]), p.submit([row(7)]));
    expect(sizes).toEqual([1, 4]);
    gates[0]!.resolve(); // one of the two finishes: 2 spans wait, not a full batch, and one is still running
    await new Promise((r) => setTimeout(r, 0));
    expect(sizes).toEqual([1, 4]);
    gates[1]!.resolve(); // none running: the 2 waiting spans go now
    await new Promise((r) => setTimeout(r, 0));
    expect(sizes).toEqual([1, 4, 2]);
    gates[2]!.resolve();
    await Promise.all(all);
  });

  it('refuses new work as saturated when the queue is full, and recovers', async () => {
    const gate = deferred();
    const p = new IngestPipeline({
      maxQueueSpans: 3, batchSpans: 10, writers: 1,
      write: async (rows) => { await gate.promise; return { stored: rows.length }; },
    });
    const first = p.submit([row(1), row(2)]);
    expect(p.full).toBe(false); // a 1-span request would still fit
    await expect(p.submit([row(3), row(4)])).rejects.toMatchObject({ kind: 'saturated' });
    expect(p.depth).toBe(2);
    const second = p.submit([row(3)]);
    expect(p.full).toBe(true); // now nothing fits: transports refuse before reading a body
    gate.resolve();
    await Promise.all([first, second]);
    expect(p.depth).toBe(0);
    expect(p.full).toBe(false);
    await expect(p.submit([row(5), row(6)])).resolves.toBeUndefined();
  });

  it('maps database failures: transient → unavailable, others → internal', async () => {
    const transient = Object.assign(new Error('terminating connection'), { code: '57P01' });
    const p1 = new IngestPipeline({ maxQueueSpans: 10, batchSpans: 10, writers: 1, write: async () => { throw transient; } });
    await expect(p1.submit([row(1)])).rejects.toSatisfy((e) => e instanceof ExportError && e.kind === 'unavailable');
    const p2 = new IngestPipeline({ maxQueueSpans: 10, batchSpans: 10, writers: 1, write: async () => { throw new Error('boom'); } });
    await expect(p2.submit([row(1)])).rejects.toSatisfy((e) => e instanceof ExportError && e.kind === 'internal');
  });

  describe('a database that is briefly away', () => {
    const transient = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

    it('writes the batch again within the window and acknowledges once it commits', async () => {
      let attempts = 0;
      const retried: unknown[] = [];
      const p = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs: 2_000, retryFirstPauseMs: 5,
        write: async (rows) => { if (++attempts < 3) throw transient(); return { stored: rows.length }; },
        onRetry: (err) => retried.push(err),
      });
      await expect(p.submit([row(1)])).resolves.toBeUndefined();
      expect(attempts).toBe(3);
      expect(retried).toHaveLength(2);
      expect(p.depth).toBe(0);
    });

    it('acknowledges a batch that committed although the work after its commit failed: written again within the window, never refused', async () => {
      const committed = () => new CommittedBatchError(1, transient());
      for (const [retryWindowMs, failures, attemptsExpected] of [[0, 1, 1], [2_000, 2, 3], [60, 1_000, -1]] as const) {
        let attempts = 0;
        const reported: CommittedBatchError[] = [];
        const p = new IngestPipeline({
          maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs, retryFirstPauseMs: 5,
          write: async (rows) => { if (++attempts <= failures) throw committed(); return { stored: rows.length }; },
          onAfterCommitError: (err) => reported.push(err),
        });
        await expect(p.submit([row(1)])).resolves.toBeUndefined();
        if (attemptsExpected > 0) expect(attempts).toBe(attemptsExpected);
        // Reported only when it was not written again successfully.
        expect(reported).toHaveLength(retryWindowMs === 2_000 ? 0 : 1);
      }
      // A committed batch whose failure after the commit is not transient is not written again either.
      const p = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs: 2_000, retryFirstPauseMs: 5,
        write: async () => { throw new CommittedBatchError(1, new Error('boom')); },
      });
      await expect(p.submit([row(1)])).resolves.toBeUndefined();
    });

    it('refuses as unavailable once the window is spent', async () => {
      let attempts = 0;
      const p = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs: 60, retryFirstPauseMs: 5,
        write: async () => { attempts++; throw transient(); },
      });
      const t0 = performance.now();
      await expect(p.submit([row(1)])).rejects.toMatchObject({ kind: 'unavailable' });
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(55);
      expect(took).toBeLessThan(1_000);
      expect(attempts).toBeGreaterThan(2);
    });

    it('does not retry what is not transient, nor when no window is set', async () => {
      let attempts = 0;
      const p1 = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs: 5_000, retryFirstPauseMs: 5,
        write: async () => { attempts++; throw new Error('boom'); },
      });
      await expect(p1.submit([row(1)])).rejects.toMatchObject({ kind: 'internal' });
      expect(attempts).toBe(1);
      const p2 = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1,
        write: async () => { attempts++; throw transient(); },
      });
      await expect(p2.submit([row(1)])).rejects.toMatchObject({ kind: 'unavailable' });
      expect(attempts).toBe(2);
    });

    it('stops retrying when the pipeline closes, so shutdown does not wait out the window', async () => {
      let attempts = 0;
      let pausing = false;
      const p = new IngestPipeline({
        maxQueueSpans: 10, batchSpans: 10, writers: 1, retryWindowMs: 60_000, retryFirstPauseMs: 800,
        write: async () => { attempts++; throw transient(); },
        onRetry: () => (pausing = true),
      });
      const pending = p.submit([row(1)]);
      const refused = expect(pending).rejects.toMatchObject({ kind: 'unavailable' });
      while (!pausing) await new Promise((r) => setTimeout(r, 1));
      const t0 = performance.now();
      await p.close();
      await refused;
      expect(performance.now() - t0).toBeLessThan(2_000);
      expect(performance.now() - t0).toBeLessThan(500); // woken from its pause (640–960 ms), not waited out
      expect(attempts).toBe(1); // no attempt after close
    });

    it('keeps the batch counted against the queue while it retries: new work is refused when full', async () => {
      let fail = true;
      const p = new IngestPipeline({
        maxQueueSpans: 2, batchSpans: 10, writers: 1, retryWindowMs: 5_000, retryFirstPauseMs: 5,
        write: async (rows) => { if (fail) throw transient(); return { stored: rows.length }; },
      });
      const first = p.submit([row(1), row(2)]);
      await new Promise((r) => setTimeout(r, 20));
      expect(p.full).toBe(true);
      await expect(p.submit([row(3)])).rejects.toMatchObject({ kind: 'saturated' });
      fail = false;
      await first;
      expect(p.depth).toBe(0);
    });
  });

  it('resolves saga ids across requests grouped in one batch (child before parent)', async () => {
    const gate = deferred();
    let seen: SpanRow[] = [];
    const p = new IngestPipeline({
      maxQueueSpans: 100, batchSpans: 100, writers: 1,
      write: async (rows) => { seen = rows; await gate.promise; return { stored: rows.length }; },
    });
    const blocker = p.submit([row(9, 'other')]);
    const child = row(2, null, '0000000000000001');
    const both = [p.submit([child]), p.submit([row(1, 'saga-a')])];
    gate.resolve();
    await Promise.all([blocker, ...both]);
    expect(seen.find((r) => r.spanId === '0000000000000002')?.sagaId).toBe('saga-a');
    expect(child.sagaId).toBeNull(); // input untouched
  });

  describe('a batch the database refuses for its data (issue 15)', () => {
    // What PostgreSQL said about the year-10000 span that once failed 136 of 150 neighbours.
    const dataError = () => Object.assign(new Error('time zone displacement out of range'), { code: '22009' });
    const POISON = 'poison';

    /** Requests held behind a first one, so that they are grouped into one batch, which a poison row fails. */
    async function groupedRun(requests: SpanRow[][], failure: () => unknown) {
      const gate = deferred();
      const transactions: string[][] = [];
      const splits: unknown[] = [];
      const p = new IngestPipeline({
        maxQueueSpans: 1_000, batchSpans: 1_000, writers: 1,
        write: async (rows) => {
          transactions.push(rows.map((r) => r.spanId));
          await gate.promise;
          if (rows.some((r) => r.sagaId === POISON)) throw failure();
          return { stored: rows.length };
        },
        onSplit: (err) => splits.push(err),
      });
      const blocker = p.submit([row(999)]);
      const outcomes = requests.map((rows) => p.submit(rows).then(() => 'stored', (e: unknown) => e));
      gate.resolve();
      await blocker;
      return { outcomes: await Promise.all(outcomes), transactions, splits, depth: p.depth };
    }

    it.each([
      ['first', 0],
      ['middle', 4],
      ['last', 8],
    ])('stores every neighbour and refuses only the culprit with invalid_argument (culprit %s)', async (_, at) => {
      const requests = Array.from({ length: 9 }, (_, i) => [row(i * 2, i === at ? POISON : 's'), row(i * 2 + 1)]);
      const { outcomes, transactions, splits, depth } = await groupedRun(requests, dataError);
      outcomes.forEach((o, i) => {
        if (i === at) expect(o).toMatchObject({ kind: 'invalid_argument', message: expect.stringMatching(/SQLSTATE 22009.*time zone displacement/) });
        else expect(o).toBe('stored');
      });
      expect(splits.length).toBeGreaterThan(0);
      // The blocker, the failed batch of 9, then halves: at most 2·⌈log2 9⌉ more transactions.
      expect(transactions.length).toBeLessThanOrEqual(2 + 2 * 4);
      expect(depth).toBe(0);
    });

    it('isolates two culprits in one batch', async () => {
      const requests = Array.from({ length: 6 }, (_, i) => [row(i, i === 1 || i === 4 ? POISON : 's')]);
      const { outcomes } = await groupedRun(requests, dataError);
      expect(outcomes.map((o) => (o === 'stored' ? o : (o as ExportError).kind))).toEqual([
        'stored', 'invalid_argument', 'stored', 'stored', 'invalid_argument', 'stored',
      ]);
    });

    it.each([
      ['integrity violation (23514)', () => Object.assign(new Error('violates check constraint'), { code: '23514' })],
      ['program limit (54000)', () => Object.assign(new Error('index row size exceeds maximum'), { code: '54000' })],
      ['RangeError from a row value', () => new RangeError('Invalid time value')],
    ])('splits on a %s as well', async (_, failure) => {
      const { outcomes } = await groupedRun([[row(1)], [row(2, POISON)], [row(3)]], failure);
      expect(outcomes[0]).toBe('stored');
      expect(outcomes[1]).toMatchObject({ kind: 'invalid_argument' });
      expect(outcomes[2]).toBe('stored');
    });

    it('does not split on errors that are not about the data: the whole batch gets them', async () => {
      const { outcomes, splits } = await groupedRun([[row(1)], [row(2, POISON)], [row(3)]], () => new Error('boom'));
      expect(outcomes.map((o) => (o as ExportError).kind)).toEqual(['internal', 'internal', 'internal']);
      expect(splits).toEqual([]);
    });
  });

  it('close() waits for accepted work and then refuses more', async () => {
    const gate = deferred();
    let stored = 0;
    const p = new IngestPipeline({
      maxQueueSpans: 100, batchSpans: 100, writers: 2,
      write: async (rows) => { await gate.promise; stored += rows.length; return { stored: rows.length }; },
    });
    const a = p.submit([row(1)]);
    const closing = p.close();
    gate.resolve();
    await closing;
    await a;
    expect(stored).toBe(1);
    await expect(p.submit([row(2)])).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
