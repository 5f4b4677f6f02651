'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { RoleOptions } from './RoleOptions';
import type { ApiTokenJson as ApiTokenRecord } from '@/lib/api/types';
import { apiSend } from '../api-client';
import { Timestamp } from '@/components/time/Timestamp';

/** API tokens for scripts: create (the secret is shown once), revoke. */
export function TokensPanel({ tokens }: { tokens: ApiTokenRecord[] }) {
  const router = useRouter();
  const [created, setCreated] = useState<{ token: string; name: string; id: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const days = String(form.get('expiresInDays') ?? '').trim();
    const res = await apiSend<{ token: string; record: ApiTokenRecord }>('POST', '/api/admin/tokens', {
      name: String(form.get('name') ?? ''),
      role: String(form.get('role') ?? ''),
      expiresInDays: days ? Number(days) : null,
    });
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setError(null);
    formEl.reset();
    setCreated({ token: res.data!.token, name: res.data!.record.name, id: res.data!.record.id });
    router.refresh();
  };

  const revoke = async (t: ApiTokenRecord) => {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    const res = await apiSend('DELETE', `/api/admin/tokens/${t.id}`);
    if (!res.ok) setError(res.error);
    else {
      setError(null);
      // A revoked token's one-time display is of no use any more.
      if (created?.id === t.id) setCreated(null);
      router.refresh();
    }
  };

  return (
    <section className="section" aria-labelledby="tokens-h" data-testid="tokens-panel">
      <div className="section__head">
        <h2 id="tokens-h">
          API tokens <span className="count">{tokens.filter((t) => !t.revokedAt).length}</span>
        </h2>
        <span className="muted">
          Scripts send <code>Authorization: Bearer &lt;token&gt;</code>.
        </span>
      </div>
      <form className="inline-form" onSubmit={create} data-testid="create-token">
        <label className="field">
          <span className="field__label">Name (what uses it)</span>
          <input name="name" type="text" required maxLength={100} autoComplete="off" />
        </label>
        <label className="field">
          <span className="field__label">Role</span>
          <select name="role" defaultValue="viewer">
            <RoleOptions />
          </select>
        </label>
        <label className="field">
          <span className="field__label">Expires in days (empty: never)</span>
          <input name="expiresInDays" type="number" min={1} max={3650} />
        </label>
        <button type="submit" className="button button--primary">
          Create token
        </button>
      </form>
      {created ? (
        <div className="alert alert--ok" role="status" data-testid="new-token">
          <p>
            Token <strong>{created.name}</strong> — copy it now, it is not shown again:
          </p>
          <code className="secret" data-testid="new-token-value">
            {created.token}
          </code>
        </div>
      ) : null}
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="saga-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Token</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid="token-row">
                <td>{t.name}</td>
                <td>{t.role}</td>
                <td className="mono">{t.prefix}…</td>
                <td className="nowrap">
                  <Timestamp iso={t.createdAt} /> <span className="muted">by {t.createdBy}</span>
                </td>
                <td className="nowrap">{t.lastUsedAt ? <Timestamp iso={t.lastUsedAt} /> : <span className="muted">never</span>}</td>
                <td className="nowrap">{t.expiresAt ? <Timestamp iso={t.expiresAt} /> : <span className="muted">never</span>}</td>
                <td>
                  {t.revokedAt ? (
                    <span className="badge badge--failed" title={`by ${t.revokedBy ?? '?'}`}>
                      revoked
                    </span>
                  ) : (
                    <span className="badge badge--committed">active</span>
                  )}
                </td>
                <td>
                  {t.revokedAt ? null : (
                    <button type="button" className="button" onClick={() => revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
