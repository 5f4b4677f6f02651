/**
 * The HTTP client of DTM's API (dtmsvr/api_http.go). Every call goes through
 * safeCall (lib/actions/safe-call.ts) under a policy whose allowlist is exactly
 * the configured DTM servers (SAGASCOPE_DTM_SERVERS): no redirects, pinned DNS,
 * a timeout on the whole call, and a response size limit. Each answer is parsed
 * with the zod schemas of DTM's exact JSON (shapes.ts). Failures are DtmError
 * with a sentence an operator can read ("DTM at http://dtm:36789 did not answer
 * within 1500 ms"), never a crash.
 */
import { safeCall, CallRefused, type SafeCallPolicy, type SafeCallResult } from '../actions/safe-call';
import type { z } from 'zod';
import { dtmAllSchema, dtmControlSchema, dtmQuerySchema, type DtmAll, type DtmQuery } from './shapes';
import { dtmAllowlist } from './servers';

export type DtmErrorKind = 'unreachable' | 'timeout' | 'too_large' | 'garbage' | 'http' | 'refused';

export class DtmError extends Error {
  constructor(
    readonly kind: DtmErrorKind,
    message: string,
    readonly httpStatus: number | null = null,
  ) {
    super(message);
    this.name = 'DtmError';
  }
}

export interface DtmClientOptions {
  servers: readonly string[];
  timeoutMs: number;
  maxResponseBytes: number;
  /** Replaceable in tests; safeCall otherwise. */
  call?: typeof safeCall;
}

export type DtmControl = 'resetNextCronTime' | 'forceStop' | 'abort';

export interface DtmControlAnswer {
  httpStatus: number;
  /** DTM's dtm_result (SUCCESS / FAILURE / ONGOING), when it sent one. */
  dtmResult: string | null;
  message: string | null;
  ok: boolean;
  durationMs: number;
}

export class DtmClient {
  private readonly policy: SafeCallPolicy;
  private readonly call: typeof safeCall;

  constructor(private readonly opts: DtmClientOptions) {
    this.policy = {
      allow: dtmAllowlist(opts.servers),
      timeoutMs: opts.timeoutMs,
      // One byte more than allowed: a body that reaches it was cut, so it is too large.
      maxBodyBytes: opts.maxResponseBytes + 1,
      allowlistName: 'DTM servers (SAGASCOPE_DTM_SERVERS)',
    };
    this.call = opts.call ?? safeCall;
  }

  get servers(): readonly string[] {
    return this.opts.servers;
  }

  private assertServer(server: string): void {
    // The only hosts these calls go to: a server named by anything else (a span attribute, a request) is refused.
    if (!this.opts.servers.includes(server)) throw new DtmError('refused', `${server} is not one of the configured DTM servers (SAGASCOPE_DTM_SERVERS)`);
  }

  private async request(server: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<SafeCallResult> {
    this.assertServer(server);
    const url = `${server}/api/dtmsvr/${path}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'sagascope-dtm-connector' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: SafeCallResult;
    try {
      res = await this.call(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, this.policy);
    } catch (err) {
      if (err instanceof CallRefused) {
        if (err.reason === 'timeout') throw new DtmError('timeout', `DTM at ${server} did not answer within ${this.opts.timeoutMs} ms`);
        if (err.reason === 'network') throw new DtmError('unreachable', `DTM at ${server} is unreachable: ${err.message}`);
        throw new DtmError('refused', `the call to DTM at ${server} was refused: ${err.message}`);
      }
      throw new DtmError('unreachable', `DTM at ${server} is unreachable: ${(err as Error).message}`);
    }
    if (Buffer.byteLength(res.body, 'utf8') > this.opts.maxResponseBytes) {
      throw new DtmError('too_large', `DTM at ${server} answered more than ${this.opts.maxResponseBytes} bytes to ${path.split('?')[0]}`, res.status);
    }
    return res;
  }

  private parse<T extends z.ZodTypeAny>(server: string, what: string, res: SafeCallResult, schema: T): z.infer<T> {
    if (res.status !== 200) {
      throw new DtmError('http', `DTM at ${server} answered HTTP ${res.status} to ${what}: ${res.body.slice(0, 200)}`, res.status);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(res.body);
    } catch {
      throw new DtmError('garbage', `DTM at ${server} answered ${what} with something that is not JSON: ${res.body.slice(0, 80)}`, res.status);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(top)'}: ${issue.message}` : 'unexpected shape';
      throw new DtmError('garbage', `DTM at ${server} answered ${what} in a shape sagascope does not know (${where})`, res.status);
    }
    return parsed.data;
  }

  /** GET /api/dtmsvr/query?gid= — the transaction (null when this server does not know the gid) and its branch ops. */
  async query(server: string, gid: string): Promise<DtmQuery> {
    const res = await this.request(server, 'GET', `query?gid=${encodeURIComponent(gid)}`);
    return this.parse(server, 'query', res, dtmQuerySchema);
  }

  /** GET /api/dtmsvr/all — one page, newest first; `nextPosition` "" when there is no more. */
  async all(server: string, opts: { position?: string; limit?: number; status?: string } = {}): Promise<DtmAll> {
    const q = new URLSearchParams();
    if (opts.position) q.set('position', opts.position);
    q.set('limit', String(opts.limit ?? 100));
    if (opts.status) q.set('status', opts.status);
    const res = await this.request(server, 'GET', `all?${q.toString()}`);
    return this.parse(server, 'all', res, dtmAllSchema);
  }

  /**
   * POST resetNextCronTime / forceStop / abort with DTM's body ({gid}, and for abort the
   * trans_type DTM checks: dtmsvr/api.go svcAbort). DTM's refusal (409 FAILURE) is an answer, not an error.
   */
  async control(server: string, op: DtmControl, body: { gid: string; trans_type?: string }): Promise<DtmControlAnswer> {
    const res = await this.request(server, 'POST', op, body);
    let parsed: z.infer<typeof dtmControlSchema> = {};
    try {
      const r = dtmControlSchema.safeParse(JSON.parse(res.body));
      if (r.success) parsed = r.data;
    } catch {
      // a body that is not JSON: the HTTP status says enough
    }
    const dtmResult = parsed.dtm_result ?? null;
    return {
      httpStatus: res.status,
      dtmResult,
      message: parsed.message ?? (res.status === 200 ? null : res.body.slice(0, 500)),
      ok: res.status === 200 && dtmResult !== 'FAILURE',
      durationMs: res.durationMs,
    };
  }
}
