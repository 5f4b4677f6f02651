'use client';

import { useState } from 'react';
import { apiSend } from '../api-client';

export function PasswordForm() {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const formEl = e.currentTarget;
    const form = new FormData(formEl);
    const newPassword = String(form.get('newPassword') ?? '');
    if (newPassword !== String(form.get('newPassword2') ?? '')) {
      setMessage({ ok: false, text: 'the two new passwords differ' });
      return;
    }
    setBusy(true);
    const res = await apiSend('POST', '/api/auth/password', { currentPassword: String(form.get('currentPassword') ?? ''), newPassword });
    setBusy(false);
    if (res.ok) formEl.reset();
    setMessage(res.ok ? { ok: true, text: 'Password changed. Your other sessions were signed out.' } : { ok: false, text: res.error ?? 'failed' });
  };

  return (
    <form className="auth-form" onSubmit={onSubmit}>
      <label className="field">
        <span className="field__label">Current password</span>
        <input name="currentPassword" type="password" autoComplete="current-password" required maxLength={1024} />
      </label>
      <label className="field">
        <span className="field__label">New password</span>
        <input name="newPassword" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
      </label>
      <label className="field">
        <span className="field__label">New password again</span>
        <input name="newPassword2" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
      </label>
      {message ? (
        <p className={`alert ${message.ok ? 'alert--ok' : 'alert--error'}`} role="status">
          {message.text}
        </p>
      ) : null}
      <button type="submit" className="button button--primary" disabled={busy}>
        Change password
      </button>
    </form>
  );
}
