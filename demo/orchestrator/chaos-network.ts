/**
 * A misbehaving network between the orchestrator and a participant, as small
 * TCP proxies on loopback (in the spirit of toxiproxy):
 *
 * - `delay`: each request is held for a while before it reaches the
 *   participant, and is delivered even if the caller has given up by then —
 *   the bytes were already on the wire. This is how a hanging action really
 *   happens: the participant receives the action after its compensation.
 * - `drop`: requests are swallowed; the caller times out.
 *
 * Used with a fresh connection per request (agent: false), so one connection
 * is one request.
 */
import net from 'node:net';

export type Link = { kind: 'delay'; delayMs: number } | { kind: 'drop' };

/** Upper bound on how long a held connection is kept, whatever happens. */
const MAX_HOLD_MS = 60_000;

export class ChaosNetwork {
  private readonly proxies = new Map<string, Promise<{ server: net.Server; port: number }>>();
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly host = '127.0.0.1') {}

  /** `targetUrl` with its host and port replaced by a proxy applying `link`. */
  async route(targetUrl: string, link: Link): Promise<string> {
    const target = new URL(targetUrl);
    const key = `${link.kind}:${link.kind === 'delay' ? link.delayMs : 0}:${target.host}`;
    let proxy = this.proxies.get(key);
    if (!proxy) {
      proxy = this.listen(target.hostname, Number(target.port), link);
      this.proxies.set(key, proxy);
    }
    const { port } = await proxy;
    const routed = new URL(targetUrl);
    routed.host = `${this.host}:${port}`;
    return routed.toString();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    const proxies = await Promise.allSettled([...this.proxies.values()]);
    await Promise.all(
      proxies.map((p) => (p.status === 'fulfilled' ? new Promise<void>((resolve) => p.value.server.close(() => resolve())) : undefined)),
    );
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(MAX_HOLD_MS, () => socket.destroy());
    return socket;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private listen(host: string, port: number, link: Link): Promise<{ server: net.Server; port: number }> {
    const server = net.createServer((client) => {
      this.track(client);
      if (link.kind === 'drop') {
        client.resume(); // read and forget
        return;
      }
      const held: Buffer[] = [];
      let upstream: net.Socket | null = null;
      client.on('data', (chunk: Buffer) => (upstream ? upstream.write(chunk) : held.push(chunk)));
      this.later(link.delayMs, () => {
        upstream = this.track(net.connect(port, host));
        for (const chunk of held) upstream.write(chunk);
        // The participant's answer goes back only if the caller is still waiting.
        upstream.on('data', (d: Buffer) => {
          if (!client.destroyed) client.write(d);
        });
        upstream.on('end', () => client.destroy());
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => resolve({ server, port: (server.address() as net.AddressInfo).port }));
    });
  }
}
