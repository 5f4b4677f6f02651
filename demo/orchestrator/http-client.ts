/**
 * One JSON POST to a participant, classified the way a saga orchestrator must
 * classify it. Built on node:http (not fetch, which bypasses node:http and so
 * the HTTP auto-instrumentation) so every call gets its client span.
 */
import http from 'node:http';

export interface ParticipantReply {
  ok?: boolean;
  barrier?: 'executed' | 'duplicate' | 'null_compensation' | 'rejected';
  error?: string;
}

export type CallResult =
  /** 2xx: the branch is settled (which may be a barrier no-op). */
  | { kind: 'ok'; status: number; reply: ParticipantReply }
  /** 409: the business refused; final, nothing happened. */
  | { kind: 'refused'; status: number; error: string }
  /** Any other HTTP error: worth retrying; whether anything happened is unknown. */
  | { kind: 'failed'; status: number; error: string }
  /** No answer in time: worth retrying; the call may still run later. */
  | { kind: 'timeout'; error: string }
  /** The connection failed: worth retrying; whether the request got through is unknown. */
  | { kind: 'network'; error: string };

const MAX_REPLY_BYTES = 256 * 1024;

export function postJson(
  url: string,
  body: unknown,
  opts: { headers: Record<string, string>; timeoutMs: number; agent: http.Agent | false },
): Promise<CallResult> {
  const payload = JSON.stringify(body ?? {});
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: CallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = http.request(url, {
      method: 'POST',
      agent: opts.agent,
      headers: { ...opts.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    const timer = setTimeout(() => {
      finish({ kind: 'timeout', error: `no answer within ${opts.timeoutMs} ms` });
      // Abandon the call; the client span ends with this error.
      req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ kind: 'network', error: err.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_REPLY_BYTES) chunks.push(c);
      });
      res.on('error', (err) => finish({ kind: 'network', error: err.message }));
      res.on('end', () => {
        let reply: ParticipantReply = {};
        try {
          reply = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ParticipantReply;
        } catch {
          // a non-JSON answer is judged by its status alone
        }
        const status = res.statusCode ?? 0;
        const error = reply.error ?? `HTTP ${status}`;
        if (status >= 200 && status < 300) finish({ kind: 'ok', status, reply });
        else if (status === 409) finish({ kind: 'refused', status, error });
        else finish({ kind: 'failed', status, error });
      });
    });
    req.end(payload);
  });
}
