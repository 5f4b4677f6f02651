/**
 * The DTM connector: what sagascope knows of DTM's own store, per saga (gid).
 *
 * - lookup(gid), for the saga being viewed or acted on: `GET /api/dtmsvr/query`
 *   on the server that owns the gid — remembered once found; unknown, every
 *   configured server is asked at once and the first that knows it is its owner.
 *   Answers (errors too) are kept for `cacheMs` (default 2 s), so reloads and the
 *   page + API pair cost one call, and a DTM that is down costs one timeout per
 *   `cacheMs`, not one per request. Concurrent lookups of one gid share a call.
 * - the follower, on an interval (default 5 s, far below DTM's finished-data
 *   expiry, FinishedDataExpire, 7 days by default): `GET /api/dtmsvr/all` per
 *   status of the unfinished ones (prepared, submitted, aborting; servers that
 *   ignore the filter are scanned newest first instead), keeping each
 *   unfinished transaction per gid with its owner. When one leaves that list it
 *   is queried once for its final word, and kept a while (`retainMs`). A change
 *   it sees (status, next retry) drops the gid's cached answer, so an open page
 *   shows DTM's new state on its next refresh.
 *
 * In memory, not a table: the view is DTM's, which DTM keeps; sagascope only
 * needs it while a saga is looked at or unfinished, and a restart rebuilds it in
 * one poll. It never runs on the ingest path: ingest neither waits for nor
 * reads it. State lives in a globalThis slot (dtmConnector()): Next bundles each
 * route with its own module copies, and the follower must run once per process.
 */
import type { Config } from '../config/env';
import type { CoordinatorInput } from '../saga/types';
import type { CoordinatorFacts } from '../actions/safety';
import { log, errorFields } from '../log';
import { DtmClient, DtmError } from './client';
import type { DtmTransaction } from './shapes';
import { mapDtmQuery, unavailableView, type CoordinatorJson } from './view';
import { parseDtmServers } from './servers';

export type CoordinatorLookup =
  /** No DTM server is configured, or none of them knows the gid: not a DTM-run saga (as far as anyone can tell). */
  | { kind: 'none' }
  | { kind: 'view'; json: CoordinatorJson; input: CoordinatorInput }
  /** DTM could not be read now (unreachable, slow, garbage): the page says so, the span-only verdict stands. */
  | { kind: 'unavailable'; json: CoordinatorJson };

export interface ConnectorOptions {
  client: DtmClient;
  cacheMs: number;
  pollMs: number;
  /** How long a transaction that finished is kept after the follower saw it go. */
  retainMs?: number;
  now?: () => number;
}

interface Followed {
  server: string;
  transaction: DtmTransaction;
  seenMs: number;
  finished: boolean;
}

const UNFINISHED = ['prepared', 'submitted', 'aborting'] as const;
/** Pages of 100 per status per poll: a backlog beyond 1,000 unfinished transactions per status is followed as far as that. */
const MAX_PAGES = 10;
const MAX_CACHE = 2_000;

export class DtmConnector {
  private readonly owners = new Map<string, string>();
  private readonly cache = new Map<string, { atMs: number; result: CoordinatorLookup }>();
  private readonly inflight = new Map<string, Promise<CoordinatorLookup>>();
  private readonly followed = new Map<string, Followed>();
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly now: () => number;
  /** Per server, the outcome of the follower's last poll (health and tests). */
  readonly lastPoll = new Map<string, { atMs: number; ok: boolean; error: string | null; unfinished: number }>();

  constructor(private readonly opts: ConnectorOptions) {
    this.now = opts.now ?? Date.now;
  }

  get servers(): readonly string[] {
    return this.opts.client.servers;
  }

  get client(): DtmClient {
    return this.opts.client;
  }

  /** The server remembered as the gid's owner, if any. */
  ownerOf(gid: string): string | null {
    return this.owners.get(gid) ?? this.followed.get(gid)?.server ?? null;
  }

  /** What the follower holds for a gid (its transaction as /all listed it). */
  /** Unfinished transactions the follower holds now (for benchmarks and diagnostics). */
  followedCount(): number {
    let n = 0;
    for (const f of this.followed.values()) if (!f.finished) n++;
    return n;
  }

  followedTransaction(gid: string): DtmTransaction | null {
    return this.followed.get(gid)?.transaction ?? null;
  }

  /** Drops the cached answer (after a control call: the next read must be DTM's new state). */
  forget(gid: string): void {
    this.cache.delete(gid);
  }

  async lookup(gid: string, opts: { fresh?: boolean } = {}): Promise<CoordinatorLookup> {
    if (this.servers.length === 0) return { kind: 'none' };
    const hit = this.cache.get(gid);
    if (!opts.fresh && hit && this.now() - hit.atMs < this.opts.cacheMs) return hit.result;
    const pending = this.inflight.get(gid);
    if (pending) return pending;
    const p = this.read(gid).finally(() => this.inflight.delete(gid));
    this.inflight.set(gid, p);
    return p;
  }

  private remember(gid: string, result: CoordinatorLookup): CoordinatorLookup {
    this.cache.delete(gid);
    while (this.cache.size >= MAX_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(gid, { atMs: this.now(), result });
    return result;
  }

  private async read(gid: string): Promise<CoordinatorLookup> {
    const owner = this.ownerOf(gid);
    const candidates = owner ? [owner] : [...this.servers];
    const errors: string[] = [];
    const answers = await Promise.all(
      candidates.map(async (server) => {
        try {
          return { server, q: await this.opts.client.query(server, gid) };
        } catch (err) {
          errors.push(err instanceof DtmError ? err.message : `DTM at ${server}: ${(err as Error).message}`);
          return null;
        }
      }),
    );
    const found = answers.find((a) => a !== null && a.q.transaction !== null);
    if (found && found.q.transaction) {
      this.owners.set(gid, found.server);
      const mapped = mapDtmQuery(found.server, { ...found.q, transaction: found.q.transaction }, this.now());
      return this.remember(gid, { kind: 'view', json: mapped.json, input: mapped.input });
    }
    if (errors.length === 0) {
      // Every server answered and none knows it. A remembered owner that forgot it (expired data) is forgotten too.
      if (owner) this.owners.delete(gid);
      return this.remember(gid, { kind: 'none' });
    }
    const server = owner ?? (candidates.length === 1 ? candidates[0]! : candidates.join(', '));
    const message = owner
      ? `${errors.join('; ')}. Showing the verdict from spans alone.`
      : `${errors.join('; ')}${answers.some((a) => a !== null) ? ' (the other DTM servers do not know this gid)' : ''}. Showing the verdict from spans alone.`;
    return this.remember(gid, { kind: 'unavailable', json: unavailableView(server, message) });
  }

  // ---- the follower -------------------------------------------------------------------------

  startFollower(): void {
    if (this.timer || this.servers.length === 0) return;
    const tick = () => {
      this.polling ??= this.pollOnce()
        .catch((err) => log.warn('DTM follower: poll failed', errorFields(err)))
        .finally(() => (this.polling = null));
    };
    this.timer = setInterval(tick, this.opts.pollMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
  }

  /** One round over every server (exported for tests and the first tick). */
  async pollOnce(): Promise<void> {
    await Promise.all(this.servers.map((s) => this.pollServer(s)));
    const retain = this.opts.retainMs ?? 3_600_000;
    for (const [gid, f] of this.followed) if (f.finished && this.now() - f.seenMs > retain) this.followed.delete(gid);
  }

  private async unfinishedOn(server: string): Promise<DtmTransaction[]> {
    const out = new Map<string, DtmTransaction>();
    for (const status of UNFINISHED) {
      let position = '';
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await this.opts.client.all(server, { position, limit: 100, status });
        // A server older than the status filter lists everything: scan it once, newest first, instead.
        if (r.transactions.some((t) => t.status !== status)) return this.scanAll(server);
        for (const t of r.transactions) out.set(t.gid, t);
        if (!r.next_position || r.transactions.length === 0) break;
        position = r.next_position;
      }
    }
    return [...out.values()];
  }

  private async scanAll(server: string): Promise<DtmTransaction[]> {
    const out = new Map<string, DtmTransaction>();
    let position = '';
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.opts.client.all(server, { position, limit: 100 });
      for (const t of r.transactions) if ((UNFINISHED as readonly string[]).includes(t.status)) out.set(t.gid, t);
      if (!r.next_position || r.transactions.length === 0) break;
      position = r.next_position;
    }
    return [...out.values()];
  }

  private async pollServer(server: string): Promise<void> {
    const at = this.now();
    let list: DtmTransaction[];
    try {
      list = await this.unfinishedOn(server);
    } catch (err) {
      const message = err instanceof DtmError ? err.message : (err as Error).message;
      this.lastPoll.set(server, { atMs: at, ok: false, error: message, unfinished: 0 });
      return;
    }
    const seen = new Set<string>();
    for (const t of list) {
      seen.add(t.gid);
      this.owners.set(t.gid, server);
      const before = this.followed.get(t.gid);
      if (before && (before.transaction.status !== t.status || before.transaction.next_cron_time !== t.next_cron_time)) this.cache.delete(t.gid);
      this.followed.set(t.gid, { server, transaction: t, seenMs: at, finished: false });
    }
    // Left the unfinished list: finished (or expired). One query for its final word.
    for (const [gid, f] of this.followed) {
      if (f.server !== server || f.finished || seen.has(gid)) continue;
      try {
        const q = await this.opts.client.query(server, gid);
        this.cache.delete(gid);
        if (q.transaction) this.followed.set(gid, { server, transaction: q.transaction, seenMs: at, finished: true });
        else this.followed.delete(gid);
      } catch {
        // Asked again next round.
      }
    }
    this.lastPoll.set(server, { atMs: at, ok: true, error: null, unfinished: list.length });
  }
}

/** The coordinator's view as the model's input and the safety rules' facts. */
export function coordinatorOf(lookup: CoordinatorLookup): { input: CoordinatorInput | null; facts: CoordinatorFacts | null } {
  if (lookup.kind === 'none') return { input: null, facts: null };
  const j = lookup.json;
  return {
    input: lookup.kind === 'view' ? lookup.input : null,
    facts: { server: j.server, status: j.status, transType: j.transType, error: j.error },
  };
}

// ---- the process-wide connector -----------------------------------------------------------

const SLOT = Symbol.for('sagascope.dtm-connector');
type Slot = { [SLOT]?: { key: string; connector: DtmConnector | null } };

export type DtmConfig = Pick<
  Config,
  | 'SAGASCOPE_DTM_SERVERS'
  | 'SAGASCOPE_DTM_TIMEOUT_MS'
  | 'SAGASCOPE_DTM_CACHE_MS'
  | 'SAGASCOPE_DTM_POLL_MS'
  | 'SAGASCOPE_DTM_MAX_RESPONSE_BYTES'
>;

export function connectorFrom(config: DtmConfig): DtmConnector | null {
  const servers = parseDtmServers(config.SAGASCOPE_DTM_SERVERS);
  if (servers.length === 0) return null;
  return new DtmConnector({
    client: new DtmClient({ servers, timeoutMs: config.SAGASCOPE_DTM_TIMEOUT_MS, maxResponseBytes: config.SAGASCOPE_DTM_MAX_RESPONSE_BYTES }),
    cacheMs: config.SAGASCOPE_DTM_CACHE_MS,
    pollMs: config.SAGASCOPE_DTM_POLL_MS,
  });
}

/**
 * This process's connector (null when SAGASCOPE_DTM_SERVERS is empty), its follower
 * started on first use. `npm start` starts it at boot; a UI run alone starts it on the first page.
 */
export function dtmConnector(config: DtmConfig): DtmConnector | null {
  const slot = globalThis as Slot;
  const key = JSON.stringify([
    config.SAGASCOPE_DTM_SERVERS, config.SAGASCOPE_DTM_TIMEOUT_MS, config.SAGASCOPE_DTM_CACHE_MS, config.SAGASCOPE_DTM_POLL_MS,
    config.SAGASCOPE_DTM_MAX_RESPONSE_BYTES,
  ]);
  if (!slot[SLOT] || slot[SLOT].key !== key) {
    void slot[SLOT]?.connector?.stop();
    const connector = connectorFrom(config);
    connector?.startFollower();
    slot[SLOT] = { key, connector };
  }
  return slot[SLOT].connector;
}

/** The coordinator's view of a saga for its page and API (null when no DTM server is configured). Never throws. */
export async function coordinatorForSaga(config: DtmConfig, gid: string): Promise<CoordinatorLookup | null> {
  const connector = dtmConnector(config);
  if (!connector) return null;
  try {
    return await connector.lookup(gid);
  } catch (err) {
    log.warn('DTM connector: lookup failed', { gid, ...errorFields(err) });
    return null;
  }
}
