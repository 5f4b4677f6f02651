/**
 * What our server does to every request before Next sees it (server/start.ts):
 * - the peer's socket address goes into the peer header (any client copy is
 *   overwritten) and an untrusted peer's X-Forwarded-* / Forwarded headers are
 *   removed (lib/http/forwarded.ts: only SAGASCOPE_TRUSTED_PROXIES are believed);
 * - a path Next cannot decode is answered 400 here (lib/http/request-path.ts),
 *   where Next would answer a bare 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cidr } from '../lib/net/ip';
import { declareEdge, sanitiseIncomingHeaders } from '../lib/http/forwarded';
import { undecodablePath } from '../lib/http/request-path';

export type Edge = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Returns the per-request step; true when it answered the request itself. */
export function installEdge(trustedProxies: readonly Cidr[]): Edge {
  declareEdge();
  return (req, res) => {
    sanitiseIncomingHeaders(req.headers, req.socket.remoteAddress, trustedProxies);
    const bad = undecodablePath(req.url ?? '/');
    if (bad === null) return false;
    const api = (req.url ?? '').startsWith('/api/');
    res.writeHead(400, { 'Content-Type': api ? 'application/json' : 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(api ? JSON.stringify({ error: bad }) : `Bad request: ${bad}\n`);
    return true;
  };
}
