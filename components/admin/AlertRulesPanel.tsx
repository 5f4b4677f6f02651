'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import type { AlertRuleJson } from '@/lib/api/types';
import { apiSend } from '../api-client';
import { Timestamp } from '@/components/time/Timestamp';
import { AlertRuleForm } from './AlertRuleForm';

function conditionOf(r: AlertRuleJson): string {
  if (r.kind === 'status') return `status is ${r.statuses.join(' or ')}`;
  if (r.kind === 'anomaly') return `anomaly: ${r.anomalies.map((a) => a.replaceAll('_', ' ')).join(', ')}`;
  const pct = Math.round((r.threshold ?? 0) * 1000) / 10;
  return `failure rate > ${pct}% over ${r.windowMinutes} min (≥ ${r.minSagas} finished)`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Alert rules: create (the signing secret is shown once), enable / disable, rotate the secret, test, delete. */
export function AlertRulesPanel({ rules }: { rules: AlertRuleJson[] }) {
  const router = useRouter();
  const [secret, setSecret] = useState<{ ruleName: string; value: string; id: string } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const done = (res: { ok: boolean; error: string | null }, ok?: string) => {
    setError(res.ok ? null : res.error);
    setMessage(res.ok && ok ? ok : null);
    if (res.ok) router.refresh();
  };

  const toggle = async (r: AlertRuleJson) => done(await apiSend('PATCH', `/api/admin/alerts/${r.id}`, { enabled: !r.enabled }));

  const rotate = async (r: AlertRuleJson) => {
    if (!window.confirm(`Rotate the signing secret of "${r.name}"? Receivers must be given the new one.`)) return;
    const res = await apiSend<{ rule: AlertRuleJson; secret: string }>('PATCH', `/api/admin/alerts/${r.id}`, { rotateSecret: true });
    done(res);
    if (res.ok) setSecret({ ruleName: r.name, value: res.data!.secret, id: r.id });
  };

  const test = async (r: AlertRuleJson) => done(await apiSend('POST', `/api/admin/alerts/${r.id}/test`), `Test delivery queued for "${r.name}".`);

  const remove = async (r: AlertRuleJson) => {
    if (!window.confirm(`Delete the alert rule "${r.name}" and its delivery log?`)) return;
    const res = await apiSend('DELETE', `/api/admin/alerts/${r.id}`);
    if (res.ok && secret?.id === r.id) setSecret(null);
    done(res);
  };

  return (
    <section className="section" aria-labelledby="rules-h" data-testid="alert-rules-panel">
      <div className="section__head">
        <h2 id="rules-h">
          Rules <span className="count">{rules.length}</span>
        </h2>
        <span className="muted">
          Webhooks are POSTed as JSON, signed in <code>X-Sagascope-Signature</code>.
        </span>
      </div>
      <AlertRuleForm onCreated={(rule, value) => setSecret({ ruleName: rule.name, value, id: rule.id })} />
      {secret ? (
        <div className="alert alert--ok" role="status" data-testid="new-alert-secret">
          <p>
            Signing secret of <strong>{secret.ruleName}</strong> — copy it to the receiver now, it is not shown again:
          </p>
          <code className="secret" data-testid="new-alert-secret-value">
            {secret.value}
          </code>
        </div>
      ) : null}
      {message ? (
        <p className="alert alert--ok" role="status">
          {message}
        </p>
      ) : null}
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      {rules.length === 0 ? (
        <div className="empty">
          <p>No alert rules yet.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="saga-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Condition</th>
                <th scope="col">Saga name</th>
                <th scope="col">Webhook host</th>
                <th scope="col">Updated</th>
                <th scope="col">Enabled</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} data-testid="alert-rule-row">
                  <td>
                    <Link href={`/admin/alerts?rule=${encodeURIComponent(r.id)}`}>{r.name}</Link>
                  </td>
                  <td>{r.kind.replace('_', ' ')}</td>
                  <td>
                    {conditionOf(r)}{' '}
                    {r.firing ? (
                      <span className="badge badge--failed" title={r.firingSince ?? undefined}>
                        firing
                      </span>
                    ) : null}
                  </td>
                  <td>{r.sagaName ?? <span className="muted">all</span>}</td>
                  <td className="mono">{hostOf(r.webhookUrl)}</td>
                  <td className="nowrap">
                    <Timestamp iso={r.updatedAt} /> <span className="muted">by {r.updatedBy}</span>
                  </td>
                  <td>
                    <button type="button" className={`toggle${r.enabled ? ' toggle--on' : ''}`} aria-pressed={r.enabled} aria-label={`Enabled: ${r.name}`} onClick={() => toggle(r)}>
                      <span className="toggle__dot" aria-hidden="true" />
                      {r.enabled ? 'On' : 'Off'}
                    </button>
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="button" onClick={() => test(r)}>
                        Send test
                      </button>
                      <button type="button" className="button" onClick={() => rotate(r)}>
                        Rotate secret
                      </button>
                      <button type="button" className="button" onClick={() => remove(r)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
