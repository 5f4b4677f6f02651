'use client';

/**
 * fetch for the UI's own mutating calls: JSON in and out, and the session's
 * CSRF token (readable cookie) echoed in X-CSRF-Token, which every mutating API
 * route requires from browser sessions.
 */
const CSRF_COOKIE = 'sagascope_csrf';

export function csrfToken(): string {
  const m = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return m ? decodeURIComponent(m.slice(CSRF_COOKIE.length + 1)) : '';
}

export interface ApiResult<T> {
  ok: boolean;
  status: number;
  data: T | null;
  error: string | null;
}

export async function apiSend<T = unknown>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, status: 0, data: null, error: 'the server could not be reached' };
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    /* empty or not JSON */
  }
  const error = res.ok ? null : ((data as { error?: string } | null)?.error ?? `request failed (${res.status})`);
  return { ok: res.ok, status: res.status, data: res.ok ? (data as T) : null, error };
}
