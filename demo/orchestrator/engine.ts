/**
 * Starts sagas: picks or accepts a flow, a scenario and business parameters,
 * plans the saga's faults and runs it. Shared by the HTTP API (forced
 * scenarios, for tests and curious humans) and the traffic generator.
 */
import { randomBytes } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import { scenarioWeightsOf } from '../config';
import { pickScenario, pickWeighted, type Flow, type Scenario } from '../scenarios';
import {
  checkoutParams, checkoutSteps, loyaltyBranches, loyaltyParams, randomCheckout, randomLoyalty, randomStockMove, randomTransfer,
  refundParams, refundSteps, stepNamesOf, stockMoveBranches, stockMoveParams, transferBranches, transferParams,
  type CheckoutParams, type RefundParams,
} from './flows';
import { runDtm } from './dtm-runner';
import { planSaga } from './plan';
import { runSaga, type SagaOutcome } from './saga-runner';
import type { CallDeps } from './step-caller';

export interface SagaRequest {
  flow?: Flow;
  scenario?: Scenario;
  /** Business parameters of the flow; random when absent (refund: a recently committed checkout). */
  params?: unknown;
  /** Natural random trouble (failure rates, latency) on top of the scenario; default: only for generated traffic. */
  natural?: boolean;
}

export interface StartedSaga {
  gid: string;
  flow: Flow;
  scenario: Scenario;
  params: unknown;
  done: Promise<SagaOutcome>;
}

export class NothingToRefund extends Error {}

/** Committed checkouts that a refund may pick; bounded, oldest dropped. */
const MAX_REFUNDABLE = 200;

export class SagaEngine {
  private readonly refundable: Array<CheckoutParams & { orderId: string }> = [];
  private readonly counts = new Map<string, number>();
  readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: CallDeps,
    private readonly tracer: Tracer,
  ) {}

  start(req: SagaRequest): StartedSaga {
    const rand = this.deps.rand;
    const flow = req.flow ?? pickWeighted(rand, this.deps.config.flows, 'checkout');
    const scenario = req.scenario ?? pickScenario(rand, flow, scenarioWeightsOf(this.deps.config));
    const gid = `${flow}-${randomBytes(6).toString('hex')}`;
    const natural = req.natural ?? false;
    const plan = planSaga(flow, scenario, stepNamesOf(flow), this.deps.config, rand, { natural });

    let params: unknown;
    let done: Promise<SagaOutcome>;
    if (flow === 'checkout') {
      const p = req.params === undefined ? randomCheckout(rand) : checkoutParams.parse(req.params);
      params = p;
      done = runSaga(this.deps, this.tracer, { identity: { gid, name: flow, protocol: 'saga' }, plan, steps: checkoutSteps(gid, p) }).then((o) => {
        if (o.verdict === 'committed') this.remember({ ...p, orderId: gid });
        return o;
      });
    } else if (flow === 'refund') {
      // Through DTM from here on: the saga is submitted to the demo's DTM, which calls the branches.
      const p: RefundParams = req.params === undefined ? this.takeRefundable() : refundParams.parse(req.params);
      params = p;
      done = runDtm(this.deps, { gid, flow, plan, steps: refundSteps(p) });
    } else if (flow === 'transfer') {
      const p = req.params === undefined ? randomTransfer(rand) : transferParams.parse(req.params);
      params = p;
      done = runDtm(this.deps, { gid, flow, plan, steps: transferBranches(p) });
    } else if (flow === 'loyalty') {
      const p = req.params === undefined ? randomLoyalty(rand) : loyaltyParams.parse(req.params);
      params = p;
      done = runDtm(this.deps, { gid, flow, plan, steps: loyaltyBranches(p), local: { gid, customer: p.customer, points: p.points } });
    } else {
      const p = req.params === undefined ? randomStockMove(rand) : stockMoveParams.parse(req.params);
      params = p;
      done = runDtm(this.deps, { gid, flow, plan, steps: stockMoveBranches(p) });
    }
    const tracked = done.then(
      (o) => this.count(`${flow}/${scenario}/${o.verdict}`),
      () => this.count(`${flow}/${scenario}/crashed`),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return { gid, flow, scenario, params, done };
  }

  /** Whether a refund can be started without explicit parameters. */
  canRefund(): boolean {
    return this.refundable.length > 0;
  }

  stats(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  private takeRefundable(): RefundParams {
    const order = this.refundable.shift();
    if (!order) throw new NothingToRefund('no committed checkout to refund yet; run a checkout first or pass params');
    return { orderId: order.orderId, sku: order.sku, qty: order.qty };
  }

  private remember(order: CheckoutParams & { orderId: string }): void {
    this.refundable.push(order);
    if (this.refundable.length > MAX_REFUNDABLE) this.refundable.shift();
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

