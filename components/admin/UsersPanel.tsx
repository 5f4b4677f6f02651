'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { RoleOptions } from './RoleOptions';
import type { UserJson as UserRecord } from '@/lib/api/types';
import { apiSend } from '../api-client';
import { Timestamp } from '@/components/time/Timestamp';

/** Users: create, change role, disable / enable, reset password. Every change is audited server-side. */
export function UsersPanel({ users, me }: { users: UserRecord[]; me: string }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const report = (ok: boolean, text: string) => {
    setMessage({ ok, text });
    if (ok) router.refresh();
  };

  const create = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const res = await apiSend<{ user: UserRecord }>('POST', '/api/admin/users', {
      name: String(form.get('name') ?? ''),
      role: String(form.get('role') ?? ''),
      password: String(form.get('password') ?? ''),
    });
    if (res.ok) formEl.reset();
    report(res.ok, res.ok ? `Created ${res.data!.user.name} (${res.data!.user.role}).` : res.error!);
  };

  const patch = async (u: UserRecord, change: Record<string, unknown>, done: string) => {
    const res = await apiSend('PATCH', `/api/admin/users/${u.id}`, change);
    report(res.ok, res.ok ? done : res.error!);
  };

  const resetPassword = async (u: UserRecord) => {
    const password = window.prompt(`New password for ${u.name} (10 characters or more). Their sessions end.`);
    if (password) await patch(u, { password }, `Password of ${u.name} reset.`);
  };

  return (
    <section className="section" aria-labelledby="users-h" data-testid="users-panel">
      <div className="section__head">
        <h2 id="users-h">
          Users <span className="count">{users.length}</span>
        </h2>
      </div>
      <form className="inline-form" onSubmit={create} data-testid="create-user">
        <label className="field">
          <span className="field__label">Name</span>
          <input name="name" type="text" required maxLength={64} autoComplete="off" />
        </label>
        <label className="field">
          <span className="field__label">Role</span>
          <select name="role" defaultValue="viewer">
            <RoleOptions />
          </select>
        </label>
        <label className="field">
          <span className="field__label">Initial password</span>
          <input name="password" type="password" required minLength={10} maxLength={1024} autoComplete="new-password" />
        </label>
        <button type="submit" className="button button--primary">
          Create user
        </button>
      </form>
      {message ? (
        <p className={`alert ${message.ok ? 'alert--ok' : 'alert--error'}`} role="status" data-testid="users-message">
          {message.text}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="saga-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row">
                <td>
                  {u.name}
                  {u.name === me ? <span className="muted"> (you)</span> : null}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${u.name}`}
                    value={u.role}
                    onChange={(e) => patch(u, { role: e.target.value }, `${u.name} is now ${e.target.value}.`)}
                  >
                    <RoleOptions />
                  </select>
                </td>
                <td>{u.disabled ? <span className="badge badge--failed">disabled</span> : <span className="badge badge--committed">active</span>}</td>
                <td className="nowrap">{u.lastLoginAt ? <Timestamp iso={u.lastLoginAt} /> : <span className="muted">never</span>}</td>
                <td className="nowrap">
                  <Timestamp iso={u.createdAt} />
                </td>
                <td className="nowrap">
                  <div className="row-actions">
                    <button type="button" className="button" onClick={() => resetPassword(u)}>
                      Reset password
                    </button>
                    <button
                      type="button"
                      className="button"
                      onClick={() => patch(u, { disabled: !u.disabled }, `${u.name} ${u.disabled ? 'enabled' : 'disabled'}.`)}
                    >
                      {u.disabled ? 'Enable' : 'Disable'}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
