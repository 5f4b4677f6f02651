'use client';

import { useEffect, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { ActionKind, ActionPlan, ActionResponse } from '@/lib/api/types';
import { apiSend, csrfToken } from '../api-client';
import { Modal } from './Modal';
import { PlanView, ResultsView } from './PlanView';
import { ReasonField, reasonOk } from './ReasonField';
import { useIsClient } from '../useIsClient';

export interface ActionStepOption {
  /** Step display name (what the API's `step` accepts). */
  name: string;
  index: number;
}

interface Request {
  action: ActionKind;
  /** null: the whole saga. */
  step: string | null;
}

function titleOf(r: Request): string {
  if (r.action === 'retry') return `Retry step ${r.step}`;
  return r.step === null ? 'Compensate saga' : `Compensate step ${r.step}`;
}

/**
 * The manual actions of one saga, for operators (the page renders this only
 * for roles that may act, outside read-only mode): retry or compensate the
 * chosen step, or compensate the whole saga. Each opens a dialog that previews
 * first (a dry run), asks for a reason, then runs and shows every call's result.
 */
export function SagaActions({ sagaId, steps, selectedStep }: { sagaId: string; steps: readonly ActionStepOption[]; selectedStep: string | null }) {
  // Follows the step selected in the timeline until the operator picks one here.
  const [picked, setPicked] = useState<string | null>(null);
  const step = picked ?? selectedStep ?? steps[0]?.name ?? null;
  const [open, setOpen] = useState<Request | null>(null);
  // Enabled once hydrated: a click before that would do nothing.
  const ready = useIsClient();

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
      <button type="button" className="button" disabled={!ready || step === null} onClick={() => setOpen({ action: 'retry', step })}>
        Retry step
      </button>
      <button type="button" className="button" disabled={!ready || step === null} onClick={() => setOpen({ action: 'compensate', step })}>
        Compensate step
      </button>
      <button type="button" className="button button--danger" disabled={!ready} onClick={() => setOpen({ action: 'compensate', step: null })}>
        Compensate saga
      </button>
      <span className="muted actions-bar__hint">Every action is previewed first and recorded in the audit trail.</span>
      {open ? <ActionDialog sagaId={sagaId} request={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

type Phase =
  | { kind: 'previewing' }
  | { kind: 'preview'; plan: ActionPlan }
  | { kind: 'running'; plan: ActionPlan }
  | { kind: 'done'; status: number; response: ActionResponse }
  | { kind: 'error'; message: string; plan: ActionPlan | null };

function ActionDialog({ sagaId, request, onClose }: { sagaId: string; request: Request; onClose: () => void }) {
  const router = useRouter();
  const url = `/api/sagas/${encodeURIComponent(sagaId)}/actions`;
  const body = { action: request.action, ...(request.step !== null ? { step: request.step } : {}) };
  const [phase, setPhase] = useState<Phase>({ kind: 'previewing' });
  const [reason, setReason] = useState('');

  useEffect(() => {
    let live = true;
    void apiSend<ActionResponse>('POST', url, { ...body, dryRun: true }).then((r) => {
      if (!live) return;
      if (r.ok && r.data) setPhase({ kind: 'preview', plan: r.data.plan });
      else setPhase({ kind: 'error', message: r.error ?? 'the preview failed', plan: null });
    });
    return () => {
      live = false;
    };
    // Once: the request is fixed for the dialog's lifetime.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const confirm = async (plan: ActionPlan) => {
    setPhase({ kind: 'running', plan });
    const res = await fetchAction(url, { ...body, reason: reason.trim() });
    if (res.response) setPhase({ kind: 'done', status: res.status, response: res.response });
    else setPhase({ kind: 'error', message: res.error, plan });
    // The saga changed (audit entries, manual steps): re-render the page's server data.
    router.refresh();
  };

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
      {phase.kind === 'preview' || phase.kind === 'running' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (phase.kind === 'preview' && phase.plan.refusal === null && reasonOk(reason)) void confirm(phase.plan);
          }}
        >
          <h3 className="modal__sub">Preview</h3>
          <PlanView plan={phase.plan} />
          {phase.plan.refusal === null ? (
            <>
              <ReasonField value={reason} onChange={setReason} disabled={phase.kind === 'running'} />
              <div className="modal__actions">
                <button type="submit" className="button button--danger" disabled={phase.kind === 'running' || !reasonOk(reason)}>
                  {phase.kind === 'running' ? 'Running…' : `Confirm and call ${phase.plan.calls.length === 1 ? '1 URL' : `${phase.plan.calls.length} URLs`}`}
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
          ? `Done: ${response.results?.length ?? 0} call${response.results?.length === 1 ? '' : 's'} succeeded. The saga's audit trail and timeline are updated.`
          : status === 409
            ? `Refused, nothing was called: ${response.error ?? response.plan.refusal}`
            : `Stopped: ${response.error ?? 'a call did not succeed'}`}
      </p>
      {response.results && response.results.length > 0 ? <ResultsView results={response.results} /> : null}
      {response.audit && response.audit.length > 0 ? (
        <p className="muted">
          Audit entries #{response.audit.map((e) => e.seq).join(', #')}.
        </p>
      ) : null}
    </div>
  );
}

/** Like apiSend, but keeps the body of a 409 / 502 answer: it carries the plan and the per-call results. */
async function fetchAction(url: string, body: unknown): Promise<{ status: number; response: ActionResponse | null; error: string }> {
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
