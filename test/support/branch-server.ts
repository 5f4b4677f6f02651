/**
 * A real HTTP participant for tests of DTM-style coordination: records every
 * call (method, path, query, body, time) and answers each path from a script
 * (status + body per call, then 200 SUCCESS), as a DTM branch would.
 */
import http from 'node:http';

export interface BranchCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  body?: string;
}

export interface BranchServer {
  url: string;
  calls: BranchCall[];
  /** The next answers of `path`, in order; afterwards 200 {"dtm_result":"SUCCESS"}. */
  script(path: string, answers: Answer[]): void;
  /** Runs before each answer (e.g. to look at the coordinator's tables at that moment). */
  onCall?: (call: BranchCall) => Promise<void>;
  callsTo(path: string, gid?: string): BranchCall[];
  close(): Promise<void>;
}

export async function startBranchServer(): Promise<BranchServer> {
  const scripts = new Map<string, Answer[]>();
  const calls: BranchCall[] = [];
  const self: BranchServer = {
    url: '',
    calls,
    script: (path, answers) => scripts.set(path, [...answers]),
    callsTo: (path, gid) => calls.filter((c) => c.path === path && (gid === undefined || c.query.gid === gid)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const call: BranchCall = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      calls.push(call);
      void (self.onCall?.(call) ?? Promise.resolve()).then(() => {
        const answer = scripts.get(call.path)?.shift() ?? { status: 200, body: '{"dtm_result":"SUCCESS"}' };
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body ?? '{}');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  self.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return self;
}
