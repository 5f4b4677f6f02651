'use client';

import { useState } from 'react';
import { apiSend } from '../api-client';

/** First admin, with the one-time setup token printed by `npm start`. */
export function SetupForm() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('password2') ?? '')) {
      setError('the two passwords differ');
      return;
    }
    setBusy(true);
    setError(null);
    const res = await apiSend('POST', '/api/auth/setup', { token: String(form.get('token') ?? '').trim(), name: String(form.get('name') ?? ''), password });
    if (res.ok) {
      window.location.assign('/admin');
      return;
    }
    setBusy(false);
    setError(res.error);
  };

  return (
    <form className="auth-form" onSubmit={onSubmit} data-testid="setup-form">
      <label className="field">
        <span className="field__label">Setup token</span>
        <input name="token" type="password" className="mono" autoComplete="off" required maxLength={200} />
      </label>
      <label className="field">
        <span className="field__label">Admin user name</span>
        <input name="name" type="text" autoComplete="username" required maxLength={64} />
      </label>
      <label className="field">
        <span className="field__label">Password (10 characters or more)</span>
        <input name="password" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
      </label>
      <label className="field">
        <span className="field__label">Password again</span>
        <input name="password2" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
      </label>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create the admin and sign in'}
      </button>
    </form>
  );
}
