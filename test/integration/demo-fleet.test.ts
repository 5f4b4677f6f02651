/**
 * The demo fleet end to end: six real processes (four participants with their
 * own schemas, one orchestrator, the DTM test double with DTM's tables),
 * instrumented with the OpenTelemetry SDK (all but DTM, which emits nothing),
 * sending to our collector and real PostgreSQL. Every scenario is forced once
 * (plus the sources of the refunds), then, saga by saga:
 *   (a) the business data is what the injected trouble leaves behind,
 *   (b) the status and anomaly kinds the collector derived are what was injected,
 *   (c) the barrier did its job: re-sent calls are no-ops, null compensations
 *       are recorded as skipped, hanging actions are refused.
 */
import { detailJson } from '../../lib/saga-view/detail-json';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTestEnv, eventually, type TestEnv } from './harness';
import { startFleet, type Fleet } from '../../demo/fleet';
import { EXPECTED, SCENARIOS_BY_FLOW, type Flow, type Scenario } from '../../demo/scenarios';
import { INITIAL_BALANCE, INITIAL_STOCK } from '../../demo/services/catalog';
import { getSagaDetail, listSagas } from '../../lib/db/read';
import { modelConfigFrom } from '../../lib/config/model';
import type { SagaDetail } from '../../lib/api/types';

interface Driven {
  key: string;
  flow: Flow;
  scenario: Scenario;
  params: Record<string, unknown>;
  gid: string;
  verdict: string;
}

const tag = randomBytes(3).toString('hex');
const QTY = 2;
const AMOUNT = 1_500;

let env: TestEnv;
let fleet: Fleet;
let db: pg.Client | null = null;
const driven = new Map<string, Driven>();
const fleetLog: string[] = [];

async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function drive(key: string, flow: Flow, scenario: Scenario, params: Record<string, unknown>): Promise<Driven> {
  const r = await post(`${fleet.orchestratorUrl}/sagas`, { flow, scenario, params });
  if (r.status !== 200) throw new Error(`POST /sagas ${key}: ${r.status} ${JSON.stringify(r.json)}`);
  const d: Driven = { key, flow, scenario, params, gid: r.json.gid, verdict: r.json.outcome.verdict };
  driven.set(key, d);
  return d;
}

const checkout = (n: string) => ({ customer: `it-${tag}-${n}`, sku: `it-${tag}-${n}`, qty: QTY, amount: AMOUNT });
const saga = (key: string) => driven.get(key) as Driven;

beforeAll(async () => {
  env = await startTestEnv({ SAGASCOPE_STUCK_AFTER_MS: '5000', SAGASCOPE_FAILED_GRACE_MS: '1000' });
  fleet = await startFleet({
    otlpEndpoint: env.grpcUrl,
    databaseUrl: env.databaseUrl,
    rate: 0,
    // Six processes, each loading tsx: on a loaded machine their start takes well over a minute.
    startupTimeoutMs: 300_000,
    // DTM's retries and check-backs in seconds rather than tens of seconds.
    // A branch call gets 20 s (DTM: 3 s): a participant slowed by a loaded machine is not re-sent, which would record a second success (duplicate_execution) in a healthy saga.
    config: { seed: 42, dtm: { retryIntervalS: 1, timeoutToFailS: 10, requestTimeoutS: 20, cronIntervalS: 0.2 } },
    onLog: (member, line) => fleetLog.push(`[${member}] ${line}`),
  });
  if (env.databaseUrl) {
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
  }
  // Phase 1: every checkout scenario, the transfers, and three committed checkouts for the refunds.
  const phase1: Array<Promise<Driven>> = [];
  for (const scenario of SCENARIOS_BY_FLOW.checkout) phase1.push(drive(`checkout:${scenario}`, 'checkout', scenario, checkout(scenario)));
  for (const scenario of SCENARIOS_BY_FLOW.refund) phase1.push(drive(`source:${scenario}`, 'checkout', 'healthy', checkout(`src-${scenario}`)));
  for (const scenario of SCENARIOS_BY_FLOW.transfer) {
    phase1.push(drive(`transfer:${scenario}`, 'transfer', scenario, { from: `it-${tag}-from-${scenario}`, to: `it-${tag}-to-${scenario}`, amount: AMOUNT }));
  }
  for (const scenario of SCENARIOS_BY_FLOW.loyalty) {
    phase1.push(drive(`loyalty:${scenario}`, 'loyalty', scenario, { customer: `it-${tag}-pts-${scenario}`, points: 40 }));
  }
  for (const scenario of SCENARIOS_BY_FLOW['stock-move']) {
    phase1.push(drive(`stock-move:${scenario}`, 'stock-move', scenario, { sku: `it-${tag}-mv-${scenario}`, qty: QTY, from: 'wh-north', to: 'wh-south' }));
  }
  await Promise.all(phase1);
  // Phase 2: refund each source order, once per refund scenario (zero-code flow).
  await Promise.all(
    SCENARIOS_BY_FLOW.refund.map((scenario) => {
      const src = saga(`source:${scenario}`);
      return drive(`refund:${scenario}`, 'refund', scenario, { orderId: src.gid, sku: src.params.sku, qty: QTY });
    }),
  );
}, 480_000);

afterAll(async () => {
  await db?.end();
  await fleet?.stop();
  await env?.close();
});

describe('demo fleet', () => {
  it('runs every scenario to the orchestrator verdict it was written for', () => {
    const verdicts = Object.fromEntries([...driven.values()].map((d) => [d.key, d.verdict]));
    expect(verdicts).toMatchObject({
      'checkout:healthy': 'committed',
      'checkout:retried_timeout': 'committed',
      'checkout:action_fails': 'compensated',
      'checkout:compensation_fails': 'failed',
      // The orchestrator believes it; the dashboard must not.
      'checkout:compensation_skipped': 'compensated',
      'checkout:compensation_out_of_order': 'compensated',
      'checkout:duplicate_execution': 'committed',
      'checkout:stalled': 'stalled',
      'checkout:retry_storm': 'committed',
      'checkout:orphan': 'committed',
      'checkout:hanging_action': 'compensated',
      'transfer:healthy': 'committed',
      'transfer:action_fails': 'compensated',
      // DTM-run flows: the verdict is DTM's own (succeed → committed, failed → rolled back).
      'refund:healthy': 'committed',
      'refund:action_fails': 'compensated',
      'refund:compensation_retried': 'compensated',
      'loyalty:healthy': 'committed',
      'loyalty:submit_lost': 'committed',
      'stock-move:healthy': 'committed',
      'stock-move:action_fails': 'compensated',
    });
  });

  it('derives, saga by saga, the status and anomalies that were injected', async () => {
    const sagas = [...driven.values()];
    const details = await eventually(async () => {
      const now = Date.now();
      const cfg = modelConfigFrom(env.config, now);
      const mismatches: string[] = [];
      const out = new Map<string, SagaDetail>();
      for (const d of sagas) {
        const detail = detailJson(await getSagaDetail(env.db, d.gid, cfg, env.config.SAGASCOPE_MAX_SAGA_SPANS));
        const want = EXPECTED[d.scenario];
        const got = { status: detail?.saga.status, anomalies: [...(detail?.saga.anomalies ?? [])].sort() };
        if (got.status !== want.status || got.anomalies.join() !== [...want.anomalies].sort().join()) {
          mismatches.push(`${d.key} (${d.gid}): want ${want.status} [${want.anomalies}], got ${got.status} [${got.anomalies}]`);
          continue;
        }
        // The saga list reads the summaries maintained on ingest: it must agree.
        // (q also finds sagas that carry this gid as a business key — a refund names its order — so pick it by id.)
        const listed = (await listSagas(env.db, { q: d.gid, limit: 10 }, now)).items.find((s) => s.id === d.gid);
        if (listed?.status !== want.status) mismatches.push(`${d.key}: the list says ${listed?.status}`);
        out.set(d.key, detail!);
      }
      if (mismatches.length > 0) throw new Error(`not (yet) as injected:\n  ${mismatches.join('\n  ')}`);
      return out;
    }, 40_000);

    // Every protocol and the zero-code mapping show.
    expect(details.get('transfer:healthy')!.saga.protocol).toBe('tcc');
    expect(details.get('loyalty:healthy')!.saga.protocol).toBe('msg');
    expect(details.get('stock-move:healthy')!.saga.protocol).toBe('xa');
    // DTM asked back for the message the application never submitted: the check-back is a step.
    expect(details.get('loyalty:submit_lost')!.steps.map((s) => `${s.op}`)).toContain('msg');
    expect(details.get('checkout:healthy')!.saga.services).toEqual(['inventory', 'orchestrator', 'order', 'payment', 'shipping']);
    const refund = details.get('refund:healthy')!;
    expect(refund.saga.services).toEqual(['inventory', 'order', 'payment']); // DTM-style: no coordinator spans
    expect(refund.steps.map((s) => s.step)).toEqual(['/payment/refund', '/inventory/restock', '/order/refund']);
    expect(details.get('checkout:compensation_fails')!.saga.failedStep).toBe('book-shipping');
  }, 60_000);

  it('leaves business data as each injected trouble dictates', async (ctx) => {
    if (!db) ctx.skip(); // needs the PostgreSQL server (schemas per service); CI has it
    const q = async <T>(sql: string, params: unknown[]): Promise<T[]> => (await db!.query(sql, params)).rows as T[];
    const stock = async (sku: string) =>
      (await q<{ available: number; reserved: number }>('SELECT available, reserved FROM demo_inventory.stock WHERE sku = $1', [sku]))[0] ??
      { available: INITIAL_STOCK, reserved: 0 };
    const account = async (id: string) =>
      (await q<{ balance: number; frozen: number; incoming: number }>('SELECT balance, frozen, incoming FROM demo_payment.accounts WHERE id = $1', [id]))[0] ??
      { balance: INITIAL_BALANCE, frozen: 0, incoming: 0 };
    const orderStatus = async (id: string) => (await q<{ status: string }>('SELECT status FROM demo_order.orders WHERE id = $1', [id]))[0]?.status ?? null;
    const charges = async (gid: string) => q<{ status: string }>('SELECT status FROM demo_payment.charges WHERE gid = $1 ORDER BY id', [gid]);

    const untouched = { available: INITIAL_STOCK, reserved: 0 };
    const reserved = { available: INITIAL_STOCK - QTY, reserved: QTY };
    const expectations: Array<[key: string, stock: object, balance: number, order: string | null]> = [
      ['checkout:healthy', reserved, INITIAL_BALANCE - AMOUNT, 'placed'],
      ['checkout:retried_timeout', reserved, INITIAL_BALANCE - AMOUNT, 'placed'],
      ['checkout:action_fails', untouched, INITIAL_BALANCE, 'cancelled'],
      // The refund of the charge kept failing: the money is still taken.
      ['checkout:compensation_fails', untouched, INITIAL_BALANCE - AMOUNT, 'cancelled'],
      // The orchestrator forgot to release the stock.
      ['checkout:compensation_skipped', reserved, INITIAL_BALANCE, 'cancelled'],
      ['checkout:compensation_out_of_order', untouched, INITIAL_BALANCE, 'cancelled'],
      // Charged twice: the bug the dashboard flags.
      ['checkout:duplicate_execution', reserved, INITIAL_BALANCE - 2 * AMOUNT, 'placed'],
      // Stopped after the reservation: the stock stays held, nothing was charged.
      ['checkout:stalled', reserved, INITIAL_BALANCE, 'placed'],
      ['checkout:retry_storm', reserved, INITIAL_BALANCE - AMOUNT, 'placed'],
      ['checkout:orphan', reserved, INITIAL_BALANCE - AMOUNT, 'placed'],
      // The late reservation was refused by the barrier: nothing held.
      ['checkout:hanging_action', untouched, INITIAL_BALANCE, 'cancelled'],
    ];
    for (const [key, wantStock, wantBalance, wantOrder] of expectations) {
      const d = saga(key);
      const p = d.params as { sku: string; customer: string };
      expect({ key, stock: await stock(p.sku), balance: (await account(p.customer)).balance, order: await orderStatus(d.gid) }).toEqual({
        key, stock: wantStock, balance: wantBalance, order: wantOrder,
      });
    }
    expect((await charges(saga('checkout:duplicate_execution').gid)).map((c) => c.status)).toEqual(['charged', 'charged']);
    expect((await charges(saga('checkout:retried_timeout').gid)).map((c) => c.status)).toEqual(['charged']);
    expect((await charges(saga('checkout:compensation_fails').gid)).map((c) => c.status)).toEqual(['charged']);

    // TCC: the transfer moved the money; the cancelled one released its hold.
    const t = saga('transfer:healthy').params as { from: string; to: string };
    expect(await account(t.from)).toEqual({ balance: INITIAL_BALANCE - AMOUNT, frozen: 0, incoming: 0 });
    expect(await account(t.to)).toEqual({ balance: INITIAL_BALANCE + AMOUNT, frozen: 0, incoming: 0 });
    const c = saga('transfer:action_fails').params as { from: string; to: string };
    expect(await account(c.from)).toEqual({ balance: INITIAL_BALANCE, frozen: 0, incoming: 0 });
    expect(await account(c.to)).toEqual({ balance: INITIAL_BALANCE, frozen: 0, incoming: 0 });

    // Two-phase message: the points arrived, also when DTM had to ask back.
    for (const scenario of SCENARIOS_BY_FLOW.loyalty) {
      const pts = await q<{ points: number }>('SELECT points FROM demo_payment.loyalty_points WHERE customer = $1', [`it-${tag}-pts-${scenario}`]);
      expect({ scenario, pts }).toEqual({ scenario, pts: [{ points: 40 }] });
    }
    // XA: the stock moved; the refused move left both warehouses as they were.
    const wh = async (w: string, sku: string) =>
      (await q<{ available: number; held: number }>('SELECT available, held FROM demo_inventory.warehouse_stock WHERE warehouse = $1 AND sku = $2', [w, sku]))[0] ?? null;
    expect(await wh('wh-north', `it-${tag}-mv-healthy`)).toEqual({ available: INITIAL_STOCK - QTY, held: 0 });
    expect(await wh('wh-south', `it-${tag}-mv-healthy`)).toEqual({ available: INITIAL_STOCK + QTY, held: 0 });
    expect(await wh('wh-north', `it-${tag}-mv-action_fails`)).toEqual({ available: INITIAL_STOCK, held: 0 });

    // Refunds: the committed one put everything back; the compensated ones left the order as it was.
    for (const [scenario, refunded] of [['healthy', true], ['action_fails', false], ['compensation_retried', false]] as const) {
      const src = saga(`source:${scenario}`);
      const p = src.params as { sku: string; customer: string };
      expect({ scenario, stock: await stock(p.sku), balance: (await account(p.customer)).balance, order: await orderStatus(src.gid) }).toEqual({
        scenario,
        stock: refunded ? untouched : reserved,
        balance: refunded ? INITIAL_BALANCE : INITIAL_BALANCE - AMOUNT,
        order: refunded ? 'refunded' : 'placed',
      });
    }
  }, 30_000);

  it('keeps the barrier promises: re-sent calls are no-ops, null compensations skipped, hanging actions refused', async () => {
    const cfg = () => modelConfigFrom(env.config, Date.now());
    const stepsOf = async (key: string) => (detailJson(await getSagaDetail(env.db, saga(key).gid, cfg(), env.config.SAGASCOPE_MAX_SAGA_SPANS)))!.steps.map((s) => `${s.step}:${s.op}:${s.attempt}:${s.result}`);

    // A timed-out call retried: the first attempt, arriving late, found the retry's row and did nothing.
    expect(await stepsOf('checkout:retried_timeout')).toEqual(
      expect.arrayContaining(['charge-payment:action:1:skipped', 'charge-payment:action:2:success']),
    );
    // The reservation held up in the network: its compensation found nothing to undo
    // (skipped, a null compensation at the barrier), then the reservation itself was refused.
    const hanging = detailJson(await getSagaDetail(env.db, saga('checkout:hanging_action').gid, cfg(), env.config.SAGASCOPE_MAX_SAGA_SPANS));
    expect(hanging!.steps.map((s) => `${s.step}:${s.op}:${s.result}`)).toEqual([
      'create-order:action:success',
      'reserve-inventory:compensate:skipped',
      'create-order:compensate:success',
      'reserve-inventory:action:rejected',
    ]);
    expect(hanging!.anomalies.map((a) => [a.kind, a.severity]).sort()).toEqual([
      ['hanging_action', 'info'],
      ['null_compensation', 'info'],
    ]);
    // Zero-code, DTM-run: the compensation that failed twice was retried by DTM, backing off, and then succeeded.
    const retried = detailJson(await getSagaDetail(env.db, saga('refund:compensation_retried').gid, cfg(), env.config.SAGASCOPE_MAX_SAGA_SPANS));
    const retriedCompensations = retried!.steps.filter((s) => s.op === 'compensate' && s.step === '/payment/refund');
    expect(retriedCompensations.map((s) => s.result), JSON.stringify(retried!.steps.map((s) => [s.step, s.op, s.result]))).toEqual(['transient', 'transient', 'success']);

    // The URLs the steps record can be invoked again as they are (manual actions): a settled step is a no-op.
    const urls = await env.db.query<{ action_url: string; compensate_url: string }>(
      `SELECT action_url, compensate_url FROM spans WHERE saga_id = $1 AND step = 'reserve-inventory' AND op = 'action' AND action_url IS NOT NULL LIMIT 1`,
      [saga('checkout:action_fails').gid],
    );
    expect(urls[0].action_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/inventory\/reserve\?gid=checkout-\w+&trans_type=saga&branch_id=02&op=action$/);
    expect((await post(urls[0].action_url, {})).json.barrier).toBe('duplicate');
    expect((await post(urls[0].compensate_url, {})).json.barrier).toBe('duplicate');

    // The same guarantees, calling a participant directly the way DTM would.
    const inventory = fleet.serviceUrls.inventory;
    const call = (gid: string, path: string, op: string, branch = '01') =>
      post(`${inventory}${path}?gid=${gid}&trans_type=saga&branch_id=${branch}&op=${op}`, { sku: `it-${tag}-direct`, qty: 1 });
    const gid = `it-${tag}-direct`;
    expect((await call(gid, '/inventory/reserve', 'action')).json.barrier).toBe('executed');
    expect((await call(gid, '/inventory/reserve', 'action')).json.barrier).toBe('duplicate');
    expect((await call(gid, '/inventory/release', 'compensate', '02')).json.barrier).toBe('null_compensation');
    expect((await call(gid, '/inventory/reserve', 'action', '02')).json.barrier).toBe('rejected');
    expect((await call(gid, '/inventory/release', 'compensate')).json.barrier).toBe('executed');
    expect((await call(gid, '/inventory/release', 'compensate')).json.barrier).toBe('duplicate');
    if (db) {
      const rows = await db.query('SELECT branch_id, op, reason FROM demo_inventory.barrier WHERE gid = $1 ORDER BY branch_id, op', [gid]);
      expect(rows.rows).toEqual([
        { branch_id: '01', op: 'action', reason: 'action' },
        { branch_id: '01', op: 'compensate', reason: 'compensate' },
        { branch_id: '02', op: 'action', reason: 'rollback' },
        { branch_id: '02', op: 'compensate', reason: 'compensate' },
      ]);
      const s = await db.query('SELECT available, reserved FROM demo_inventory.stock WHERE sku = $1', [`it-${tag}-direct`]);
      expect(s.rows).toEqual([{ available: INITIAL_STOCK, reserved: 0 }]);
    }
  }, 30_000);
});
