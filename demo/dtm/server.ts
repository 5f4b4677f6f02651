/**
 * A TEST DOUBLE of DTM (dtm-labs/dtm), not DTM: the subset of DTM's HTTP API
 * that the demo's flows and sagascope's DTM connector use, answering as DTM's
 * server does, over state kept in DTM's own tables (store.ts). It exists so the
 * demo and the tests can run DTM-coordinated sagas (saga, TCC, two-phase
 * message, XA) without a Go toolchain or a DTM binary; for anything else, run
 * the real DTM.
 *
 * Routes (dtmsvr/api_http.go addRoute):
 *   GET  /api/dtmsvr/newGid                 → { gid, dtm_result: "SUCCESS" }
 *   POST /api/dtmsvr/prepare | submit | abort | forceStop | resetNextCronTime | registerBranch
 *   GET  /api/dtmsvr/query?gid=             → { transaction, branches }
 *   GET  /api/dtmsvr/all?position=&limit=&status=&transType=&createTimeStart=&createTimeEnd=&gid=
 *                                           → { transactions, next_position }
 *   GET  /api/dtmsvr/version, GET /api/ping
 * Answers as dtmutil WrapHandler2 writes them: nil → 200 {"dtm_result":"SUCCESS"};
 * a FAILURE → 409 {"dtm_result":"FAILURE","message"}; ONGOING → 425; any other
 * error (a panic in DTM: bad JSON, missing gid) → 500 {"message"}.
 *
 * Loopback only, no authentication (like a DTM on a private network). It never
 * loads OpenTelemetry: DTM emits no spans.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { BodyError, readJsonBody, sendJson } from '../http-json';
import { Coordinator, DtmFailure, parseOptions } from './coordinator';
import { TRANS_TYPES, nextCronInterval, type TransType } from './protocol';
import type { BranchRow, DtmStore, GlobalRow, NewBranch } from './store';

export const DTM_DOUBLE_VERSION = 'sagascope-dtm-double-1';

/** dtmcli/dtmimp/trans_base.go TransBase + TransOptions: what prepare / submit / abort / forceStop read (dtmsvr/trans_class.go TransFromContext). */
const transBody = z.object({
  gid: z.string().min(1).max(128),
  trans_type: z.enum(TRANS_TYPES),
  steps: z.array(z.record(z.string(), z.string())).optional(),
  payloads: z.array(z.string()).optional(),
  custom_data: z.string().max(256).optional(),
  query_prepared: z.string().max(128).optional(),
  protocol: z.string().optional(),
  wait_result: z.boolean().optional(),
  timeout_to_fail: z.number().int().min(0).optional(),
  request_timeout: z.number().int().min(0).optional(),
  retry_interval: z.number().int().min(0).optional(),
  passthrough_headers: z.array(z.string()).optional(),
  branch_headers: z.record(z.string(), z.string()).optional(),
  concurrent: z.boolean().optional(),
  rollback_reason: z.string().max(1024).optional(),
});
type TransBody = z.infer<typeof transBody>;

/** Only http(s) branch URLs: this double calls them. */
const httpUrl = (u: string) => u === '' || /^https?:\/\//.test(u);

class ApiError extends Error {
  constructor(readonly kind: 'failure' | 'error', message: string) {
    super(message);
  }
}

/** Go's time.Time JSON of a timestamp(0): RFC 3339, whole seconds. */
function goTime(d: Date | null): string | null {
  return d === null ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** dtmsvr/storage/trans.go TransGlobalStore as encoding/json writes it (omitempty fields left out when empty). */
export function globalJson(g: GlobalRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: g.id, create_time: goTime(g.createTime), update_time: goTime(g.updateTime) };
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '' && v !== 0 && v !== false) out[k] = v;
  };
  put('gid', g.gid);
  put('trans_type', g.transType);
  put('status', g.status);
  put('query_prepared', g.queryPrepared);
  put('protocol', g.protocol);
  put('finish_time', goTime(g.finishTime));
  put('rollback_time', goTime(g.rollbackTime));
  put('rollback_reason', g.rollbackReason);
  put('options', g.options);
  put('custom_data', g.customData);
  put('next_cron_interval', g.nextCronInterval);
  put('next_cron_time', goTime(g.nextCronTime));
  put('owner', g.owner);
  put('ext_data', g.extData);
  // The embedded dtmcli.TransOptions: not stored in columns (gorm:"-"), so zero; `concurrent` has no omitempty.
  out.concurrent = false;
  return out;
}

/** dtmsvr/storage/trans.go TransBranchStore as encoding/json writes it ([]byte as base64). */
export function branchJson(b: BranchRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: b.id, create_time: goTime(b.createTime), update_time: goTime(b.updateTime) };
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '') out[k] = v;
  };
  put('gid', b.gid);
  put('url', b.url);
  put('bin_data', b.binData && b.binData.length > 0 ? b.binData.toString('base64') : null);
  put('branch_id', b.branchId);
  put('op', b.op);
  put('status', b.status);
  put('finish_time', goTime(b.finishTime));
  put('rollback_time', goTime(b.rollbackTime));
  return out;
}

/** dtmcli/dtmimp/trans_base.go TransOptions marshalled in field order, omitempty as declared ("{}" → ""). */
function optionsText(b: TransBody): string {
  const o: Record<string, unknown> = {};
  if (b.wait_result) o.wait_result = true;
  if (b.timeout_to_fail) o.timeout_to_fail = b.timeout_to_fail;
  if (b.request_timeout) o.request_timeout = b.request_timeout;
  if (b.retry_interval) o.retry_interval = b.retry_interval;
  if (b.passthrough_headers?.length) o.passthrough_headers = b.passthrough_headers;
  if (b.branch_headers && Object.keys(b.branch_headers).length > 0) o.branch_headers = b.branch_headers;
  o.concurrent = b.concurrent === true;
  if (b.rollback_reason) o.rollback_reason = b.rollback_reason;
  const text = JSON.stringify(o);
  return text === '{}' ? '' : text;
}

/** dtmsvr/trans_type_saga.go / trans_type_msg.go GenBranches (tcc and xa register theirs later). */
function genBranches(b: TransBody): NewBranch[] {
  // dtmsvr/trans_class.go setupPayloads: payloads, then each step's "data".
  const payloads = [...(b.payloads ?? []), ...(b.steps ?? []).map((s) => s.data ?? '').filter((d) => d !== '')];
  const steps = b.steps ?? [];
  const out: NewBranch[] = [];
  steps.forEach((step, i) => {
    const branchId = String(i + 1).padStart(2, '0');
    const binData = payloads[i] === undefined ? null : Buffer.from(payloads[i], 'utf8');
    const ops = b.trans_type === 'saga' ? (['compensate', 'action'] as const) : b.trans_type === 'msg' ? (['action'] as const) : [];
    for (const op of ops) {
      const url = step[op] ?? '';
      if (!httpUrl(url)) throw new ApiError('error', `bad url for http: ${url}`);
      out.push({ url, binData, branchId, op });
    }
  });
  return out;
}

export class DtmApi {
  constructor(
    private readonly store: DtmStore,
    private readonly coordinator: Coordinator,
  ) {}

  /** dtmsvr/trans_process.go saveNew. false: the gid exists. */
  private async saveNew(b: TransBody, status: 'prepared' | 'submitted'): Promise<boolean> {
    const now = new Date();
    const interval = nextCronInterval('reset', 0, { retryIntervalS: b.retry_interval ?? 0, timeoutToFailS: b.timeout_to_fail ?? 0 }, this.coordinator.timings);
    return this.store.saveNew(
      {
        gid: b.gid,
        transType: b.trans_type,
        status,
        queryPrepared: b.query_prepared ?? '',
        protocol: b.protocol || 'http',
        options: optionsText(b),
        customData: b.custom_data ?? '',
        nextCronInterval: interval,
        nextCronTime: new Date(now.getTime() + interval * 1000),
        extData: '',
        rollbackReason: b.rollback_reason ?? '',
      },
      genBranches(b),
      now,
    );
  }

  /** dtmsvr/api.go svcSubmit. */
  async submit(b: TransBody): Promise<void> {
    if (b.trans_type === 'msg' && !httpUrl(b.query_prepared ?? '')) throw new ApiError('error', 'bad query_prepared url');
    const created = await this.saveNew(b, 'submitted');
    let g = await this.mustFind(b.gid);
    if (!created) {
      if (g.status === 'prepared') {
        await this.store.changeStatus(g, 'submitted', new Date());
      } else if (g.status !== 'submitted') {
        throw new ApiError('failure', `current status '${g.status}', cannot sumbmit. FAILURE`);
      }
      g = await this.mustFind(b.gid);
    }
    await this.run(g, b.wait_result);
  }

  /** dtmsvr/api.go svcPrepare. */
  async prepare(b: TransBody): Promise<void> {
    if (b.trans_type === 'msg' && !httpUrl(b.query_prepared ?? '')) throw new ApiError('error', 'bad query_prepared url');
    const created = await this.saveNew(b, 'prepared');
    if (!created) {
      const g = await this.mustFind(b.gid);
      if (g.status !== 'prepared') throw new ApiError('failure', `current status '${g.status}', cannot prepare. FAILURE`);
    }
  }

  /** dtmsvr/api.go svcAbort. */
  async abort(b: TransBody): Promise<void> {
    const g = await this.mustFind(b.gid);
    if (g.transType === 'msg' && g.status === 'prepared') {
      await this.store.changeStatus(g, 'failed', new Date());
      return;
    }
    if ((b.trans_type !== 'xa' && b.trans_type !== 'tcc') || (g.status !== 'prepared' && g.status !== 'aborting')) {
      throw new ApiError('failure', `trans type: '${g.transType}' current status '${g.status}', cannot abort. FAILURE`);
    }
    await this.store.changeStatus(g, 'aborting', new Date(), b.rollback_reason ?? undefined);
    await this.run(g, b.wait_result);
  }

  /** dtmsvr/api.go svcForceStop: any unfinished transaction → failed, with no compensation. */
  async forceStop(gid: string): Promise<void> {
    const g = await this.mustFind(gid);
    if (g.status === 'succeed' || g.status === 'failed') {
      throw new ApiError('failure', `global transaction force stop error. status: ${g.status}. error: FAILURE`);
    }
    await this.store.changeStatus(g, 'failed', new Date());
  }

  /**
   * resetNextCronTime (api_http.go: "one global trans only"): the transaction is
   * due now, so the cron calls its branches on its next poll. The Go service
   * function was not in the source read; the store's ResetTransGlobalCronTime
   * (redis) sets next_cron_time = update_time = now. Refused for an unknown gid
   * and for a finished transaction, whose cron time means nothing.
   */
  async resetNextCronTime(gid: string): Promise<void> {
    const g = await this.mustFind(gid);
    if (g.status === 'succeed' || g.status === 'failed') throw new ApiError('failure', `transaction ${gid} is ${g.status}: nothing to retry. FAILURE`);
    await this.store.resetNextCronTime(gid, new Date());
  }

  /** dtmsvr/api_http.go registerBranch → api.go svcRegisterBranch. */
  async registerBranch(data: Record<string, string>): Promise<void> {
    const gid = data.gid ?? '';
    const branchId = data.branch_id ?? '';
    const binData = Buffer.from(data.data ?? '', 'utf8');
    let branches: NewBranch[];
    if (data.trans_type === 'tcc') {
      branches = (['cancel', 'confirm'] as const).map((op) => ({ url: data[op] ?? '', binData, branchId, op }));
    } else if (data.trans_type === 'xa') {
      branches = (['rollback', 'commit'] as const).map((op) => ({ url: data.url ?? '', binData, branchId, op }));
    } else {
      throw new ApiError('error', `unknow trans type: ${data.trans_type}`);
    }
    if (!/^[\w.:-]{1,128}$/.test(branchId)) throw new ApiError('error', 'branch_id required');
    for (const b of branches) if (!httpUrl(b.url)) throw new ApiError('error', `bad url for http: ${b.url}`);
    const ok = await this.store.lockGlobalSaveBranches(gid, 'prepared', branches, new Date());
    if (!ok) throw new ApiError('failure', `message: no trans with gid: ${gid} status: prepared found FAILURE`);
  }

  async query(gid: string): Promise<unknown> {
    if (gid === '') throw new ApiError('error', 'no gid specified');
    const [g, branches] = await Promise.all([this.store.findGlobal(gid), this.store.findBranches(gid)]);
    return { transaction: g === null ? null : globalJson(g), branches: branches.map(branchJson) };
  }

  async all(q: URLSearchParams): Promise<unknown> {
    const gid = q.get('gid') ?? '';
    if (gid !== '') {
      const g = await this.store.findGlobal(gid);
      return { transactions: g === null ? null : [globalJson(g)], next_position: q.get('position') ?? '' };
    }
    const limitText = q.get('limit') || '100';
    const position = q.get('position') ?? '';
    if (!/^\d{1,9}$/.test(limitText) || (position !== '' && !/^\d{1,18}$/.test(position))) throw new ApiError('error', `convert to int error: ${limitText}`);
    const ms = (name: string) => {
      const v = q.get(name);
      if (!v) return undefined;
      if (!/^\d{1,15}$/.test(v)) throw new ApiError('error', `convert to int error: ${v}`);
      return new Date(Math.floor(Number(v) / 1000) * 1000);
    };
    const { rows, next } = await this.store.scan(position, Number(limitText), {
      status: q.get('status') || undefined,
      transType: q.get('transType') || undefined,
      createTimeStart: ms('createTimeStart'),
      createTimeEnd: ms('createTimeEnd'),
    });
    return { transactions: rows.map(globalJson), next_position: next };
  }

  private async mustFind(gid: string): Promise<GlobalRow> {
    const g = await this.store.findGlobal(gid);
    if (g === null) throw new ApiError('failure', `no trans with gid: ${gid} found. FAILURE`);
    return g;
  }

  private async run(g: GlobalRow, waitResult: boolean | undefined): Promise<void> {
    const branches = await this.store.findBranches(g.gid);
    try {
      await this.coordinator.process(g, branches, waitResult ?? parseOptions(g.options).wait_result === true);
    } catch (err) {
      if (err instanceof DtmFailure) throw new ApiError('failure', `${err.message}. FAILURE`);
      throw err;
    }
  }
}

export interface RunningDtm {
  url: string;
  coordinator: Coordinator;
  store: DtmStore;
  close(): Promise<void>;
}

export async function startDtmServer(store: DtmStore, coordinator: Coordinator, host: string, port: number): Promise<RunningDtm> {
  const api = new DtmApi(store, coordinator);
  const server = http.createServer((req, res) => {
    void route(req, res).catch((err) => {
      if (err instanceof ApiError && err.kind === 'failure') return sendJson(res, 409, { dtm_result: 'FAILURE', message: err.message });
      sendJson(res, 500, { message: err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message });
    });
  });
  const ok = (res: http.ServerResponse, body: unknown = { dtm_result: 'SUCCESS' }) => sendJson(res, 200, body);

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dtm');
    const p = url.pathname;
    if (p === '/api/ping') return ok(res, { msg: 'pong' });
    if (req.method === 'GET') {
      if (p === '/api/dtmsvr/version') return ok(res, { version: DTM_DOUBLE_VERSION });
      // dtmsvr/utils.go GenGid's own format is not copied: any unique string is a gid to DTM.
      if (p === '/api/dtmsvr/newGid') return ok(res, { gid: randomBytes(12).toString('base64url'), dtm_result: 'SUCCESS' });
      if (p === '/api/dtmsvr/query') return ok(res, await api.query(url.searchParams.get('gid') ?? ''));
      if (p === '/api/dtmsvr/all') return ok(res, await api.all(url.searchParams));
    }
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = await readJsonBody(req);
      } catch (err) {
        throw new ApiError('error', err instanceof BodyError ? err.message : 'unreadable body');
      }
      const trans = () => transBody.parse(body);
      const gidOnly = () => z.object({ gid: z.string().min(1).max(128) }).parse(body).gid;
      switch (p) {
        case '/api/dtmsvr/prepare': await api.prepare(trans()); return ok(res);
        case '/api/dtmsvr/submit': await api.submit(trans()); return ok(res);
        case '/api/dtmsvr/abort': await api.abort(trans()); return ok(res);
        case '/api/dtmsvr/forceStop': await api.forceStop(gidOnly()); return ok(res);
        case '/api/dtmsvr/resetNextCronTime': await api.resetNextCronTime(gidOnly()); return ok(res);
        case '/api/dtmsvr/registerBranch':
        case '/api/dtmsvr/registerTccBranch':
        case '/api/dtmsvr/registerXaBranch':
          await api.registerBranch(z.record(z.string(), z.string()).parse(body)); return ok(res);
      }
    }
    // gin answers an unknown route 404 with a plain-text body.
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404 page not found');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://${host}:${addr.port}`,
    coordinator,
    store,
    async close() {
      server.close();
      server.closeAllConnections();
      await coordinator.stop();
    },
  };
}

export type { TransType };
