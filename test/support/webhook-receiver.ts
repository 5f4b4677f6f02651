/**
 * A real HTTP receiver for alert webhooks on 127.0.0.1 (ephemeral port): it
 * records every request (raw body, headers, time) and answers per path —
 * `/ok` 200, `/flaky` 500 for a delivery's first two attempts then 200,
 * `/down` 503 always.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  body: { id: string; event: string; [k: string]: unknown };
  at: number;
  answered: number;
}

export interface WebhookReceiver {
  url(path: string): string;
  received: ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const delivery = String(req.headers['x-sagascope-delivery'] ?? '');
      const n = (seen.get(delivery) ?? 0) + 1;
      seen.set(delivery, n);
      const status = path === '/ok' ? 200 : path === '/flaky' ? (n <= 2 ? 500 : 200) : 503;
      received.push({ path, headers: req.headers, rawBody, body: JSON.parse(rawBody) as ReceivedWebhook['body'], at: Date.now(), answered: status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : `receiver says ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
