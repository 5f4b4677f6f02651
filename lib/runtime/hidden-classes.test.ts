import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Functions of an ingest worker's path whose optimized code saw per-request objects of classes with fields. */
const WORKER_PATH = ['readTag', 'read_uint32', 'readResourceSpans', 'readSpan', 'readString', 'readKeyValueInto', 'enterMessage', 'leaveMessage', 'toSpanRows', 'keyLinesOf', 'add', 'addFlat', 'take', 'encodeCopyBlock'];

describe('hidden classes kept alive', () => {
  it('full collections between requests no longer throw away the ingest worker path\'s optimized code', () => {
    const run = spawnSync(process.execPath, ['--expose-gc', '--trace-deopt', '--import', 'tsx', path.join(__dirname, 'fixtures/ingest-worker-gc.ts')], {
      encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    // V8 prints one line per optimized function it throws away because an object its code relied on died.
    const dropped = run.stdout.split('\n').filter((l) => l.includes('reason: weak objects'))
      .map((l) => /SharedFunctionInfo ([^>]*)>/.exec(l)?.[1] ?? '')
      .filter((name) => WORKER_PATH.includes(name));
    // Without keepHiddenClasses each of the 40 collections dropped most of these (≈ 400 lines in all).
    expect(dropped).toEqual([]);
  }, 90_000);
});
