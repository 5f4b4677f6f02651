'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { apiSend } from '../api-client';

/** Read-only mode: switched here at runtime, or pinned on by SAGASCOPE_READ_ONLY=true. */
export function SettingsPanel({ readOnly }: { readOnly: { active: boolean; pinnedByEnv: boolean; runtime: boolean } }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);

  const toggle = async () => {
    const res = await apiSend('PUT', '/api/admin/settings', { readOnly: !readOnly.runtime });
    setError(res.ok ? null : res.error);
    if (res.ok) router.refresh();
  };

  return (
    <section className="section" aria-labelledby="settings-h" data-testid="settings-panel">
      <h2 id="settings-h">Settings</h2>
      <div className="setting">
        <div>
          <strong>Read-only mode</strong>
          <p className="muted">
            Refuses every change (manual actions, users, tokens) except signing in and out. Reading, exports and the audit trail keep working.
          </p>
        </div>
        {readOnly.pinnedByEnv ? (
          <span className="badge badge--stuck">on — pinned by SAGASCOPE_READ_ONLY</span>
        ) : (
          <button type="button" className={`toggle${readOnly.runtime ? ' toggle--on' : ''}`} aria-pressed={readOnly.runtime} onClick={toggle}>
            <span className="toggle__dot" aria-hidden="true" />
            {readOnly.runtime ? 'On' : 'Off'}
          </button>
        )}
      </div>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
