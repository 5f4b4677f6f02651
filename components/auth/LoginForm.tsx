'use client';

import { useState } from 'react';
import { apiSend } from '../api-client';

/** Sign-in form; on success a full navigation, so the header re-renders as the user. */
export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onSubmit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await apiSend('POST', '/api/auth/login', { name: String(form.get('name') ?? ''), password: String(form.get('password') ?? '') });
    if (res.ok) {
      window.location.assign(next);
      return;
    }
    setBusy(false);
    setError(res.error);
  };

  return (
    <form className="auth-form" onSubmit={onSubmit} data-testid="login-form">
      <label className="field">
        <span className="field__label">User name</span>
        <input name="name" type="text" autoComplete="username" required maxLength={64} autoFocus />
      </label>
      <label className="field">
        <span className="field__label">Password</span>
        <input name="password" type="password" autoComplete="current-password" required maxLength={1024} />
      </label>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
