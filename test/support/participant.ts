/**
 * A participant service for manual-action tests: node:http on 127.0.0.1 that
 * records every request it gets and answers as told (200 by default). Plays the
 * endpoints a failed saga's spans point at through saga.compensate_url.
 */
import http from 'node:http';

export interface Received {
  method: string;
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

export interface TestParticipant {
  url: string;
  received: Received[];
  /** Decides each answer; replace it per test. */
  respond: (r: Received) => Answer;
  close(): Promise<void>;
}

export const answerOk = (): Answer => ({ status: 200, body: '{"ok":true}', headers: { 'content-type': 'application/json' } });

export async function startTestParticipant(): Promise<TestParticipant> {
  const p: TestParticipant = { url: '', received: [], respond: answerOk, close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const r: Received = {
        method: req.method ?? '',
        path: q === -1 ? raw : raw.slice(0, q),
        query: q === -1 ? '' : raw.slice(q + 1),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      p.received.push(r);
      const a = p.respond(r);
      const send = () => res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
      if (a.delayMs) setTimeout(send, a.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  p.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return p;
}
