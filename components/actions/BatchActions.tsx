'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import type { ActionKind, BatchActionItem, BatchActionResponse } from '@/lib/api/types';
import { apiSend } from '../api-client';
import { StatusBadge } from '../StatusBadge';
import { Modal } from './Modal';
import { ReasonField, reasonOk } from './ReasonField';
import { useIsClient } from '../useIsClient';

const MAX_BATCH = 100;

/**
 * A manual action over the list's current filter (operators only): the
 * matching sagas, newest first up to a limit, each planned on its own. Preview
 * first, then a reason; confirming acts on exactly the sagas and plans the
 * preview listed (its `selection`), never on the filter run again — a saga that
 * arrived since is not touched, one that changed since is reported, not called.
 */
export function BatchActions({ filter, description }: { filter: Record<string, string>; description: string }) {
  const [open, setOpen] = useState(false);
  // Enabled once hydrated: a click before that would do nothing.
  const ready = useIsClient();
  return (
    <>
      <button type="button" className="button" onClick={() => setOpen(true)} disabled={!ready} data-testid="batch-open">
        Batch action…
      </button>
      {open ? <BatchDialog filter={filter} description={description} onClose={() => setOpen(false)} /> : null}
    </>
  );
}

type Phase =
  | { kind: 'setup' }
  | { kind: 'previewing' }
  | { kind: 'preview'; report: BatchActionResponse }
  | { kind: 'running'; report: BatchActionResponse }
  | { kind: 'done'; report: BatchActionResponse };

function BatchDialog({ filter, description, onClose }: { filter: Record<string, string>; description: string; onClose: () => void }) {
  const router = useRouter();
  const [action, setAction] = useState<ActionKind>('compensate');
  const [step, setStep] = useState('');
  const [limit, setLimit] = useState(20);
  const [reason, setReason] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'setup' });
  const [error, setError] = useState<string | null>(null);

  const body = () => ({ filter, action, ...(step.trim() ? { step: step.trim() } : {}), limit });
  const canPreview = action === 'compensate' || step.trim() !== '';

  const preview = async () => {
    setError(null);
    setPhase({ kind: 'previewing' });
    const r = await apiSend<BatchActionResponse>('POST', '/api/sagas/actions', { ...body(), dryRun: true });
    if (r.ok && r.data) setPhase({ kind: 'preview', report: r.data });
    else {
      setError(r.error);
      setPhase({ kind: 'setup' });
    }
  };

  const run = async (planned: BatchActionResponse) => {
    setError(null);
    setPhase({ kind: 'running', report: planned });
    const r = await apiSend<BatchActionResponse>('POST', '/api/sagas/actions', {
      filter,
      action,
      ...(step.trim() ? { step: step.trim() } : {}),
      selection: planned.selection,
      reason: reason.trim(),
    });
    if (r.ok && r.data) setPhase({ kind: 'done', report: r.data });
    else {
      setError(r.error);
      setPhase({ kind: 'preview', report: planned });
    }
    router.refresh();
  };

  const actionable = phase.kind === 'preview' ? phase.report.selection.length : 0;

  return (
    <Modal title="Batch action" onClose={onClose} busy={phase.kind === 'running' || phase.kind === 'previewing'} testId="batch-dialog">
      <p>
        Sagas where <strong>{description}</strong>, newest first.
      </p>
      <fieldset className="inline-form" disabled={phase.kind !== 'setup'}>
        <label className="field">
          <span className="field__label">Action</span>
          <select value={action} onChange={(e) => setAction(e.target.value as ActionKind)} data-testid="batch-action">
            <option value="compensate">Compensate (the step below, or the whole saga)</option>
            <option value="retry">Retry step</option>
          </select>
        </label>
        <label className="field">
          <span className="field__label">{action === 'retry' ? 'Step (required)' : 'Step (empty: whole saga)'}</span>
          <input type="text" value={step} onChange={(e) => setStep(e.target.value)} maxLength={512} />
        </label>
        <label className="field">
          <span className="field__label">At most (sagas)</span>
          <input type="number" min={1} max={MAX_BATCH} value={limit} onChange={(e) => setLimit(Math.max(1, Math.min(MAX_BATCH, Number(e.target.value) || 1)))} />
        </label>
        <button type="button" className="button button--primary" disabled={!canPreview} onClick={() => void preview()}>
          Preview
        </button>
      </fieldset>
      {phase.kind === 'previewing' ? <p className="loading">Planning every saga (dry run, nothing is called)…</p> : null}
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      {phase.kind === 'preview' || phase.kind === 'running' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (phase.kind === 'preview' && actionable > 0 && reasonOk(reason)) void run(phase.report);
          }}
        >
          <p data-testid="batch-summary">
            {phase.report.selected} saga{phase.report.selected === 1 ? '' : 's'} selected: {phase.report.counts.planned} can be acted on,{' '}
            {phase.report.counts.refused} refused.{' '}
            {actionable > 0 ? `Confirming acts on these ${actionable} saga${actionable === 1 ? '' : 's'} only, each with the plan shown.` : ''}
          </p>
          <BatchItems items={phase.report.items} />
          {actionable > 0 ? (
            <>
              <ReasonField value={reason} onChange={setReason} disabled={phase.kind === 'running'} />
              <div className="modal__actions">
                <button type="submit" className="button button--danger" disabled={phase.kind === 'running' || !reasonOk(reason)}>
                  {phase.kind === 'running' ? 'Running…' : `Confirm and act on ${actionable} saga${actionable === 1 ? '' : 's'}`}
                </button>
                <button type="button" className="button" onClick={() => setPhase({ kind: 'setup' })} disabled={phase.kind === 'running'}>
                  Back
                </button>
              </div>
            </>
          ) : null}
        </form>
      ) : null}
      {phase.kind === 'done' ? (
        <div data-testid="batch-outcome">
          <p className={`alert ${phase.report.counts.failed + phase.report.counts.error > 0 ? 'alert--error' : 'alert--ok'}`} role="status">
            {phase.report.counts.ok} succeeded, {phase.report.counts.failed} failed, {phase.report.counts.refused} refused
            {phase.report.counts.stale > 0 ? `, ${phase.report.counts.stale} changed since the preview (not called)` : ''}
            {phase.report.counts.error > 0 ? `, ${phase.report.counts.error} errors` : ''}.
          </p>
          <BatchItems items={phase.report.items} />
          {phase.report.counts.stale > 0 ? (
            <div className="modal__actions">
              <button type="button" className="button button--primary" onClick={() => void preview()} data-testid="batch-preview-again">
                Preview again
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </Modal>
  );
}

const OUTCOME_TEXT: Record<BatchActionItem['outcome'], string> = {
  planned: 'will be called',
  ok: 'succeeded',
  failed: 'failed',
  refused: 'refused',
  stale: 'changed since the preview: not called',
  error: 'error',
};

function BatchItems({ items }: { items: readonly BatchActionItem[] }) {
  if (items.length === 0) return <p className="muted">No saga matches.</p>;
  return (
    <div className="table-wrap batch-items">
      <table className="saga-table plan-table" data-testid="batch-items">
        <thead>
          <tr>
            <th scope="col">Saga</th>
            <th scope="col">Status</th>
            <th scope="col">Calls</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.sagaId} data-testid="batch-item" data-outcome={i.outcome}>
              <td>
                <Link href={`/sagas/${encodeURIComponent(i.sagaId)}`} className="mono">
                  {i.sagaId}
                </Link>
                {i.name ? <div className="muted">{i.name}</div> : null}
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td>
                {i.plan && i.plan.calls.length > 0 ? (
                  <ol className="batch-calls">
                    {i.plan.calls.map((c) => {
                      const r = i.results.find((x) => x.order === c.order);
                      return (
                        <li key={c.order}>
                          {c.step} {c.op} <span className="mono url-cell muted">{c.url}</span>
                          {r ? <span className={r.outcome === 'ok' ? ' text-ok' : ' text-failed'}> — {r.outcome.replace('_', ' ')}{r.httpStatus ? ` (HTTP ${r.httpStatus})` : ''}</span> : null}
                        </li>
                      );
                    })}
                  </ol>
                ) : (
                  <span className="muted">none</span>
                )}
              </td>
              <td className={i.outcome === 'ok' || i.outcome === 'planned' ? '' : 'text-failed'}>
                {OUTCOME_TEXT[i.outcome]}
                {i.error ? <div className="muted">{i.error}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
