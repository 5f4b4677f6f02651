/**
 * Child process of `BENCH_DTM` in bench/ingest.ts: a DTM (the demo's test
 * double, demo/dtm) in a process of its own, as a real DTM would be, holding a
 * backlog of unfinished transactions for sagascope's follower to list during the
 * ingest. Each saga's first branch points at a closed port, so DTM's one
 * attempt fails and the transaction stays `submitted`; the cron is off, so the
 * double does nothing further on its own (its CPU is not what is measured).
 * argv[2]: JSON { databaseUrl, transactions }. Sends { url } when ready.
 */
import { startDtmDouble } from '../../demo/dtm/start';

async function main(): Promise<void> {
  const { databaseUrl, transactions } = JSON.parse(process.argv[2]!) as { databaseUrl: string; transactions: number };
  const dtm = await startDtmDouble({ databaseUrl, cron: false, timings: { requestTimeoutS: 1 }, log: () => {} });
  const post = (path: string, body: unknown) =>
    fetch(`${dtm.url}/api/dtmsvr/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const closed = 'http://127.0.0.1:9/busi';
  for (let i = 0; i < transactions; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, transactions - i) }, (_, j) => post('submit', {
      gid: `bench-backlog-${i + j}`, trans_type: 'saga',
      steps: [{ action: `${closed}/TransOut`, compensate: `${closed}/TransOutRevert` }],
      payloads: ['{"amount":1}'],
    })));
  }
  process.send!({ url: dtm.url });
  process.on('disconnect', () => void dtm.close().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
