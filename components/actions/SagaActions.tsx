'use client';

import { useCallback, useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ActionKind, ActionPlan, ActionResponse } from '@/lib/api/types';
import { csrfToken } from '../api-client';
import { Modal } from './Modal';
import { PlanView, ResultsView } from './PlanView';
import { ReasonField, reasonOk } from './ReasonField';
import { useIsClient } from '../useIsClient';

export interface ActionStepOption {
  /** Step display name (what the API's `step` accepts). */
  name: string;
  index: number;
}

export interface ActionRequest {
  action: ActionKind;
  /** null: the whole saga. */
  step: string | null;
}

const COORDINATOR_TITLES: Record<string, string> = {
  'coordinator.retry_now': 'DTM: retry now',
  'coordinator.stop': 'DTM: stop (force stop)',
  'coordinator.abort': 'DTM: abort',
};

function titleOf(r: ActionRequest): string {
  if (COORDINATOR_TITLES[r.action]) return COORDINATOR_TITLES[r.action]!;
  if (r.action === 'retry') return `Retry step ${r.step}`;
  return r.step === null ? 'Compensate saga' : `Compensate step ${r.step}`;
}

/**
 * The manual actions of one saga, for operators (the page renders this only
 * for roles that may act, outside read-only mode): retry or compensate the
 * chosen step, or compensate the whole saga. Each opens a dialog (ActionDialog)
 * that previews first (a dry run), asks for a reason, then runs exactly the plan
 * that was shown. The step defaults to the one the saga's anomalies name.
 */
export function SagaActions({
  steps,
  selectedStep,
  defaultStep,
  compensateSaga,
  onOpen,
}: {
  steps: readonly ActionStepOption[];
  /** The step selected in the timeline, followed until the operator picks one here. */
  selectedStep: string | null;
  /** The step the first repairable anomaly names (else the failed step). */
  defaultStep: string | null;
  /** "Compensate saga" under the safety rules now: refused outright → disabled with the sentence. */
  compensateSaga: { refusal: string | null; overridable: boolean };
  onOpen: (r: ActionRequest) => void;
}) {
  const [picked, setPicked] = useState<string | null>(null);
  const step = picked ?? selectedStep ?? defaultStep ?? steps[0]?.name ?? null;
  // Enabled once hydrated: a click before that would do nothing.
  const ready = useIsClient();
  const sagaBlocked = compensateSaga.refusal !== null && !compensateSaga.overridable;

  return (
    <section className="actions-bar" aria-label="Manual actions" data-testid="saga-actions">
      <label className="field">
        <span className="field__label">Step</span>
        <select value={step ?? ''} onChange={(e) => setPicked(e.target.value)} disabled={steps.length === 0} data-testid="action-step">
          {steps.map((s) => (
            <option key={s.name} value={s.name}>
              {s.index}. {s.name}
            </option>
          ))}
          {step !== null && !steps.some((s) => s.name === step) ? <option value={step}>{step}</option> : null}
        </select>
      </label>
      <button type="button" className="button" disabled={!ready || step === null} onClick={() => onOpen({ action: 'retry', step })}>
        Retry step
      </button>
      <button type="button" className="button" disabled={!ready || step === null} onClick={() => onOpen({ action: 'compensate', step })}>
        Compensate step
      </button>
      <button
        type="button"
        className="button button--danger"
        disabled={!ready || sagaBlocked}
        onClick={() => onOpen({ action: 'compensate', step: null })}
        aria-describedby={compensateSaga.refusal ? 'compensate-saga-note' : undefined}
      >
        Compensate saga
      </button>
      <span className="muted actions-bar__hint">Every action is previewed first, runs exactly as previewed, and is recorded in the audit trail.</span>
      {compensateSaga.refusal ? (
        <p id="compensate-saga-note" className="muted actions-bar__note" data-testid="compensate-saga-note">
          {compensateSaga.refusal}
        </p>
      ) : null}
    </section>
  );
}

type Phase =
  | { kind: 'previewing' }
  | { kind: 'preview'; plan: ActionPlan }
  | { kind: 'running'; plan: ActionPlan }
  | { kind: 'done'; status: number; response: ActionResponse }
  /** 409 stale: the saga changed since the preview; nothing was called. */
  | { kind: 'stale'; message: string }
  | { kind: 'error'; message: string; plan: ActionPlan | null };

/**
 * Preview, then act on exactly that preview: the real run carries the preview's
 * planId, and when the saga changed meanwhile the server calls nothing and the
 * dialog offers to preview again. An admin may override an overridable refusal
 * by typing the saga id.
 */
export function ActionDialog({
  sagaId,
  request,
  canOverride,
  onClose,
}: {
  sagaId: string;
  request: ActionRequest;
  /** The viewer is an admin: an overridable refusal shows the override form. */
  canOverride: boolean;
  onClose: () => void;
}) {
  const router = useRouter();
  const url = `/api/sagas/${encodeURIComponent(sagaId)}/actions`;
  const body = { action: request.action, ...(request.step !== null ? { step: request.step } : {}) };
  const [phase, setPhase] = useState<Phase>({ kind: 'previewing' });
  const [reason, setReason] = useState('');
  const [typedId, setTypedId] = useState('');

  const preview = useCallback(async () => {
    setPhase({ kind: 'previewing' });
    const r = await postAction(url, { ...body, dryRun: true });
    if (r.response && r.status === 200) setPhase({ kind: 'preview', plan: r.response.plan });
    else setPhase({ kind: 'error', message: r.error || 'the preview failed', plan: null });
    // The request is fixed for the dialog's lifetime.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    void preview();
  }, [preview]);

  const confirm = async (plan: ActionPlan, override: boolean) => {
    setPhase({ kind: 'running', plan });
    const res = await postAction(url, { ...body, reason: reason.trim(), planId: plan.planId, ...(override ? { override: { sagaId: typedId } } : {}) });
    if (res.status === 409 && res.response?.stale) setPhase({ kind: 'stale', message: res.error });
    else if (res.response) setPhase({ kind: 'done', status: res.status, response: res.response });
    else setPhase({ kind: 'error', message: res.error, plan });
    // The saga changed (audit entries, manual steps): re-render the page's server data.
    router.refresh();
  };

  const planned = phase.kind === 'preview' || phase.kind === 'running' ? phase.plan : null;
  const mayOverride = planned !== null && planned.refusal !== null && planned.overridable && canOverride && planned.calls.length > 0;
  const calls = (n: number) => (planned?.coordinatorCall ? 'DTM' : n === 1 ? '1 URL' : `${n} URLs`);

  return (
    <Modal title={titleOf(request)} onClose={onClose} busy={phase.kind === 'running'} testId="action-dialog">
      {phase.kind === 'previewing' ? <p className="loading">Planning (dry run, nothing is called)…</p> : null}
      {phase.kind === 'error' ? (
        <>
          {phase.plan ? <PlanView plan={phase.plan} /> : null}
          <p className="alert alert--error" role="alert" data-testid="action-error">
            {phase.message}
          </p>
        </>
      ) : null}
      {phase.kind === 'stale' ? (
        <div data-testid="action-stale">
          <p className="alert alert--error" role="alert">
            {phase.message}
          </p>
          <div className="modal__actions">
            <button type="button" className="button button--primary" onClick={() => void preview()} data-testid="preview-again">
              Preview again
            </button>
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : null}
      {planned ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (phase.kind !== 'preview' || !reasonOk(reason)) return;
            if (planned.refusal === null) void confirm(planned, false);
            else if (mayOverride && typedId === sagaId) void confirm(planned, true);
          }}
        >
          <h3 className="modal__sub">Preview</h3>
          <PlanView plan={planned} />
          {planned.refusal === null || mayOverride ? (
            <>
              {mayOverride ? (
                <fieldset className="override" data-testid="override">
                  <legend>Admin override</legend>
                  <p className="muted">
                    You may go ahead anyway if you know the coordinator is not driving this saga any more. The override is recorded in the
                    audit trail. Type the saga id to confirm.
                  </p>
                  <label className="field field--block">
                    <span className="field__label">Saga id</span>
                    <input type="text" value={typedId} onChange={(e) => setTypedId(e.target.value)} autoComplete="off" spellCheck={false} data-testid="override-saga-id" />
                  </label>
                </fieldset>
              ) : null}
              <ReasonField value={reason} onChange={setReason} disabled={phase.kind === 'running'} />
              <div className="modal__actions">
                <button
                  type="submit"
                  className="button button--danger"
                  disabled={phase.kind === 'running' || !reasonOk(reason) || (planned.refusal !== null && typedId !== sagaId)}
                >
                  {phase.kind === 'running'
                    ? 'Running…'
                    : planned.refusal !== null
                      ? `Override and call ${calls(planned.calls.length)}`
                      : `Confirm and call ${calls(planned.calls.length)}`}
                </button>
                <button type="button" className="button" onClick={onClose} disabled={phase.kind === 'running'}>
                  Cancel
                </button>
              </div>
            </>
          ) : null}
        </form>
      ) : null}
      {phase.kind === 'done' ? <Outcome status={phase.status} response={phase.response} /> : null}
    </Modal>
  );
}

function Outcome({ status, response }: { status: number; response: ActionResponse }) {
  const ok = status === 200 && response.ok === true;
  return (
    <div data-testid="action-outcome" data-ok={ok}>
      <p className={`alert ${ok ? 'alert--ok' : 'alert--error'}`} role="status">
        {ok
          ? response.plan.coordinatorCall
            ? `Done: DTM accepted ${response.plan.coordinatorCall.endpoint}. The audit trail records the call; DTM's new state shows on this page.`
            : `Done: ${response.results?.length ?? 0} call${response.results?.length === 1 ? '' : 's'} succeeded. The saga's audit trail and timeline are updated.`
          : status === 409
            ? `Nothing was called. ${response.error ?? response.plan.refusal}`
            : `Stopped: ${response.error ?? 'a call did not succeed'}`}
      </p>
      {response.results && response.results.length > 0 ? <ResultsView results={response.results} /> : null}
      {response.audit && response.audit.length > 0 ? <p className="muted">Audit entries #{response.audit.map((e) => e.seq).join(', #')}.</p> : null}
    </div>
  );
}

/** Like apiSend, but keeps the body of a 409 / 502 answer: it carries the plan and the per-call results. */
async function postAction(url: string, body: unknown): Promise<{ status: number; response: ActionResponse | null; error: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    const data = (await res.json().catch(() => null)) as (ActionResponse & { error?: string }) | null;
    if (data && 'plan' in data && data.plan) return { status: res.status, response: data, error: data.error ?? '' };
    return { status: res.status, response: null, error: data?.error ?? `request failed (${res.status})` };
  } catch {
    return { status: 0, response: null, error: 'the server could not be reached' };
  }
}
