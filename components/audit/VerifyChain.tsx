'use client';

import { useState } from 'react';

interface Report {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  firstBroken: { seq: number; reason: string } | null;
}

/** Runs GET /api/audit/verify and shows the outcome (the whole chain is walked server-side). */
export function VerifyChain() {
  const [state, setState] = useState<{ busy: boolean; report: Report | null; error: string | null }>({ busy: false, report: null, error: null });

  const run = async () => {
    setState({ busy: true, report: null, error: null });
    try {
      const res = await fetch('/api/audit/verify', { credentials: 'same-origin' });
      const body = (await res.json()) as Report & { error?: string };
      setState({ busy: false, report: res.ok ? body : null, error: res.ok ? null : (body.error ?? `failed (${res.status})`) });
    } catch {
      setState({ busy: false, report: null, error: 'the server could not be reached' });
    }
  };

  const r = state.report;
  return (
    <div className="verify" data-testid="verify-chain">
      <button type="button" className="button" onClick={run} disabled={state.busy}>
        {state.busy ? 'Verifying…' : 'Verify the chain'}
      </button>
      {r ? (
        r.ok ? (
          <span className="verify__ok" role="status" data-testid="verify-result">
            Chain intact: {r.entries} entries{r.head ? `, head #${r.head.seq} ${r.head.hash.slice(0, 16)}…` : ''}
          </span>
        ) : (
          <span className="verify__broken" role="alert" data-testid="verify-result">
            Broken at entry #{r.firstBroken?.seq}: {r.firstBroken?.reason}
          </span>
        )
      ) : null}
      {state.error ? (
        <span className="text-failed" role="alert">
          {state.error}
        </span>
      ) : null}
    </div>
  );
}
