/**
 * The sagas list pages both ways (issue 18 §3): "Next" and "Previous" are keyset
 * cursors, stable in a URL; going back from any page shows exactly the page that
 * led to it, and going back to the start shows a full first page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { makeSpan } from '../support/spans';
import { sendSpans } from '../support/failed-saga';
import { listSagas } from '../../lib/db/read';
import { decodeCursor, parseSagaListQuery } from '../../lib/api/query';

let env: TestEnv;
const NAME = `paging-${Date.now().toString(36)}`;
// 8 sagas; two pairs share a start time, so the id breaks the tie.
const T0 = Date.now() - 60_000;
const STARTS = [0, 1000, 1000, 2000, 3000, 3000, 4000, 5000];
const IDS = STARTS.map((_, i) => `${NAME}-${String.fromCharCode(97 + i)}`);
/** Newest first, as the list orders them. */
const ORDER = IDS.map((id, i) => ({ id, t: STARTS[i]! }))
  .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1))
  .map((s) => s.id);

beforeAll(async () => {
  env = await startTestEnv();
  await sendSpans(
    env.httpUrl,
    IDS.map((id, i) => makeSpan({ startMs: T0 + STARTS[i]!, endMs: T0 + STARTS[i]! + 5, attributes: { 'saga.id': id, 'saga.name': NAME, 'saga.role': 'coordinator' } })),
  );
  await eventually(async () => expect((await page()).items).toHaveLength(3));
});
afterAll(async () => {
  await env?.close();
});

async function page(cursor?: string) {
  const q = parseSagaListQuery({ name: NAME, limit: '3', ...(cursor ? { cursor } : {}) });
  if (!q.ok) throw new Error(q.error);
  return listSagas(env.db, q.value);
}
const ids = (p: Awaited<ReturnType<typeof page>>) => p.items.map((s) => s.id);

describe('saga list paging', () => {
  it('walks forward to the end and back to the start, page for page', async () => {
    await eventually(async () => expect((await page(undefined)).nextCursor).not.toBeNull());
    const p1 = await page();
    expect(ids(p1)).toEqual(ORDER.slice(0, 3));
    expect(p1.prevCursor).toBeNull();
    const p2 = await page(p1.nextCursor!);
    expect(ids(p2)).toEqual(ORDER.slice(3, 6));
    const p3 = await page(p2.nextCursor!);
    expect(ids(p3)).toEqual(ORDER.slice(6));
    expect(p3.nextCursor).toBeNull();
    expect(decodeCursor(p3.prevCursor!)?.before).toBe(true);

    const back2 = await page(p3.prevCursor!);
    expect(ids(back2)).toEqual(ids(p2));
    expect(back2.nextCursor).not.toBeNull();
    expect(ids(await page(back2.nextCursor!))).toEqual(ids(p3));
    const back1 = await page(back2.prevCursor!);
    expect(ids(back1)).toEqual(ids(p1));
    expect(back1.prevCursor).toBeNull();
  });

  it('going back from a page that started mid-way shows a full first page', async () => {
    // Start after the second saga: the page before has only 2 sagas.
    const p1 = await page();
    const two = await page(
      // a cursor positioned after the 2nd row, as a page of 2 would have produced
      Buffer.from(JSON.stringify([Date.parse(p1.items[1]!.startedAt), p1.items[1]!.id])).toString('base64url'),
    );
    expect(ids(two)).toEqual(ORDER.slice(2, 5));
    const back = await page(two.prevCursor!);
    expect(ids(back)).toEqual(ORDER.slice(0, 3));
    expect(back.prevCursor).toBeNull();
  });
});
