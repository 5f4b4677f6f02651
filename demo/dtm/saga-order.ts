/**
 * Which saga branches DTM may run next, as pure functions (dtmsvr/trans_type_saga.go
 * ProcessOnce: shouldRun, shouldRollback, pickToRunActions, pickToRunCompensates,
 * prepareToCompensate).
 *
 * A saga's branches are stored step by step as (compensate, action) pairs
 * (GenBranches: ops [compensate, action] for each step, branch ids 01, 02 …),
 * so branch i's action is at 2i+1 and its compensation at 2i.
 * Sequential saga: an action runs once the previous step's action succeeded; a
 * compensation once the next step is rolled back. Concurrent saga
 * (custom_data {"concurrent": true, "orders": {step: [steps before it]}}):
 * only `orders` constrains, both ways.
 */
import type { BranchOp, BranchStatus } from './protocol';

export interface SagaSlot {
  op: BranchOp;
  status: BranchStatus;
  /** Started in this round (may still be running). */
  started: boolean;
}

export interface SagaCustom {
  concurrent: boolean;
  /** Step index (0-based) → indexes of the steps that must succeed before it. */
  orders: Record<number, number[]>;
}

/** custom_data of a saga (dtmsvr/trans_type_saga.go cSagaCustom); empty or absent = sequential. */
export function parseSagaCustom(customData: string): SagaCustom {
  if (customData === '') return { concurrent: false, orders: {} };
  const raw = JSON.parse(customData) as { concurrent?: unknown; orders?: unknown };
  const orders: Record<number, number[]> = {};
  if (raw.orders && typeof raw.orders === 'object') {
    for (const [k, v] of Object.entries(raw.orders as Record<string, unknown>)) {
      if (Array.isArray(v)) orders[Number(k)] = v.filter((x): x is number => Number.isInteger(x));
    }
  }
  return { concurrent: raw.concurrent === true, orders };
}

/** The reverse of `orders`: step → steps that depend on it. */
function dependants(custom: SagaCustom): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  for (const [k, before] of Object.entries(custom.orders)) for (const b of before) (out[b] ??= []).push(Number(k));
  return out;
}

function shouldRun(slots: readonly SagaSlot[], custom: SagaCustom, current: number): boolean {
  if (!custom.concurrent && current >= 2 && slots[current - 2].status !== 'succeed') return false;
  for (const pre of custom.orders[Math.floor(current / 2)] ?? []) {
    if (slots[pre * 2 + 1].status !== 'succeed') return false;
  }
  return true;
}

function rolledBack(slots: readonly SagaSlot[], i: number): boolean {
  // This compensation succeeded, or its action never left `prepared` (nothing to undo).
  return slots[i].status === 'succeed' || slots[i + 1].status === 'prepared';
}

function shouldRollback(slots: readonly SagaSlot[], custom: SagaCustom, current: number): boolean {
  if (rolledBack(slots, current)) return false;
  const n = slots.length;
  if (!custom.concurrent && current < n - 2 && !rolledBack(slots, current + 2)) return false;
  for (const next of dependants(custom)[Math.floor(current / 2)] ?? []) {
    if (!rolledBack(slots, 2 * next)) return false;
  }
  return true;
}

/** Positions of the actions to start now, in definition order. */
export function pickActions(slots: readonly SagaSlot[], custom: SagaCustom): number[] {
  const out: number[] = [];
  for (let i = 1; i < slots.length; i += 2) {
    if (!slots[i].started && slots[i].status === 'prepared' && shouldRun(slots, custom, i)) out.push(i);
  }
  return out;
}

/** Positions of the compensations to start now, last step first. */
export function pickCompensates(slots: readonly SagaSlot[], custom: SagaCustom): number[] {
  const out: number[] = [];
  for (let i = slots.length - 2; i >= 0; i -= 2) {
    if (!slots[i].started && slots[i].status === 'prepared' && shouldRollback(slots, custom, i)) out.push(i);
  }
  return out;
}

/**
 * Before compensating (prepareToCompensate): actions that were due or started
 * and are still `prepared` may have run, so they count as succeeded for the
 * rollback (their compensations run). Returns how many compensations are to run.
 */
export function prepareToCompensate(slots: SagaSlot[], custom: SagaCustom): number {
  for (const i of pickActions(slots, custom)) slots[i].started = true;
  for (let i = 1; i < slots.length; i += 2) {
    if (slots[i].started && slots[i].status === 'prepared') slots[i].status = 'succeed';
  }
  let toStart = 0;
  for (let i = 0; i < slots.length; i += 2) {
    if (slots[i].op === 'compensate' && slots[i].status !== 'succeed' && slots[i + 1].status !== 'prepared') toStart++;
  }
  return toStart;
}
