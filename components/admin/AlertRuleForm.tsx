'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { AlertRuleJson } from '@/lib/api/types';
import { ANOMALY_KINDS } from '@/lib/saga/types';
import { apiSend } from '../api-client';

type Kind = AlertRuleJson['kind'];
const KIND_LABELS: Record<Kind, string> = { status: 'Saga status', anomaly: 'Anomaly', failure_rate: 'Failure rate' };

/** Creates an alert rule; the signing secret comes back once and is shown by the caller. */
export function AlertRuleForm({ onCreated }: { onCreated: (rule: AlertRuleJson, secret: string) => void }) {
  const router = useRouter();
  const [kind, setKind] = useState<Kind>('status');
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const body: Record<string, unknown> = { name: text('name'), kind, sagaName: text('sagaName') || null, webhookUrl: text('webhookUrl') };
    if (kind === 'status') body.statuses = form.getAll('statuses').map(String);
    if (kind === 'anomaly') body.anomalies = form.getAll('anomalies').map(String);
    if (kind === 'failure_rate') {
      body.threshold = Number(text('thresholdPercent')) / 100;
      body.windowMinutes = Number(text('windowMinutes'));
      body.minSagas = Number(text('minSagas'));
    }
    const res = await apiSend<{ rule: AlertRuleJson; secret: string }>('POST', '/api/admin/alerts', body);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(null);
    formEl.reset();
    onCreated(res.data!.rule, res.data!.secret);
    router.refresh();
  };

  return (
    <form className="filters" onSubmit={submit} data-testid="create-alert-rule" aria-label="New alert rule">
      <div className="filters__row">
        <label className="field">
          <span className="field__label">Name</span>
          <input name="name" type="text" required maxLength={100} autoComplete="off" />
        </label>
        <label className="field">
          <span className="field__label">When</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            {(Object.keys(KIND_LABELS) as Kind[]).map((k) => (
              <option key={k} value={k}>
                {KIND_LABELS[k]}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Saga name (empty: all)</span>
          <input name="sagaName" type="text" maxLength={200} autoComplete="off" />
        </label>
        <label className="field field--wide">
          <span className="field__label">Webhook URL</span>
          <input name="webhookUrl" type="url" required maxLength={2000} placeholder="https://hooks.example.com/sagascope" autoComplete="off" />
        </label>
      </div>
      <div className="filters__row">
        {kind === 'status' ? (
          <fieldset className="choices">
            <legend className="field__label">Status is</legend>
            <div className="choices__options">
              {['failed', 'stuck'].map((s) => (
                <label key={s} className="choice">
                  <input type="checkbox" name="statuses" value={s} defaultChecked={s === 'failed'} />
                  {s}
                </label>
              ))}
            </div>
          </fieldset>
        ) : null}
        {kind === 'anomaly' ? (
          <fieldset className="choices field--wide">
            <legend className="field__label">Anomaly is one of</legend>
            <div className="choices__options">
              {ANOMALY_KINDS.map((a) => (
                <label key={a} className="choice">
                  <input type="checkbox" name="anomalies" value={a} />
                  {a.replaceAll('_', ' ')}
                </label>
              ))}
            </div>
          </fieldset>
        ) : null}
        {kind === 'failure_rate' ? (
          <>
            <label className="field">
              <span className="field__label">Failure rate above (%)</span>
              <input name="thresholdPercent" type="number" min={0.1} max={100} step={0.1} required defaultValue={20} />
            </label>
            <label className="field">
              <span className="field__label">Over the last (minutes)</span>
              <input name="windowMinutes" type="number" min={1} max={1440} step={1} required defaultValue={15} />
            </label>
            <label className="field">
              <span className="field__label">With at least (finished sagas)</span>
              <input name="minSagas" type="number" min={1} step={1} required defaultValue={10} />
            </label>
          </>
        ) : null}
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Create rule
          </button>
        </div>
      </div>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
