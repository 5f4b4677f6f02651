import { COMPENSATION_OPS, type Op, type SagaStatus } from './types';

/**
 * Forward ops in phase order. The first one a step has is its "first-phase" op:
 * the one that answers "did this step's forward work succeed?" (action for
 * saga/workflow/msg and DTM's XA, try for TCC, prepare for hand-written XA;
 * msg for the check-back step of a two-phase message, which has no other op).
 * Second-phase ops (confirm, submit, commit) only finish work the first phase
 * already did.
 */
export const FORWARD_OPS: readonly Op[] = ['action', 'try', 'prepare', 'msg', 'confirm', 'submit', 'commit'];
export const FIRST_PHASE_OPS: readonly Op[] = ['action', 'try', 'prepare', 'msg'];

const COMPENSATION = new Set<Op>(COMPENSATION_OPS);
const FIRST_PHASE = new Set<Op>(FIRST_PHASE_OPS);

export function isCompensationOp(op: Op): boolean {
  return COMPENSATION.has(op);
}

export function isFirstPhaseOp(op: Op): boolean {
  return FIRST_PHASE.has(op);
}

/**
 * 0 first-phase, 1 second-phase forward, 2 compensation. Used to pick the span
 * whose step name labels a step: DTM calls a branch's compensation on another
 * URL than its action, and the action's URL is the name users recognise.
 */
export function opPhaseRank(op: Op): number {
  if (FIRST_PHASE.has(op)) return 0;
  return COMPENSATION.has(op) ? 2 : 1;
}

const TERMINAL = new Set<SagaStatus>(['committed', 'compensated', 'failed']);

/** Terminal statuses never change with time alone; `stuck` is not terminal. */
export function isTerminalStatus(status: SagaStatus): boolean {
  return TERMINAL.has(status);
}
