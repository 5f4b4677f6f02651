'use client';

import { useState } from 'react';
import type { CoordinatorActionKind } from '@/lib/actions/safety';
import type { CoordinatorStatus } from '@/lib/saga/types';
import { ActionDialog } from './SagaActions';
import { useIsClient } from '../useIsClient';

/**
 * The coordinator's own controls for a saga DTM runs (DESIGN.md §5): each opens
 * the same preview → reason → confirm dialog as the branch actions, and the
 * server checks again with DTM's state at that moment (lib/actions/safety.ts).
 * Buttons DTM would refuse now are disabled here already, with why.
 */
export function CoordinatorControls({ sagaId, status, transType }: { sagaId: string; status: CoordinatorStatus; transType: string | null }) {
  const [open, setOpen] = useState<CoordinatorActionKind | null>(null);
  const ready = useIsClient();
  const finished = status === 'succeed' || status === 'failed';
  const abortable = transType === 'msg' ? status === 'prepared' : (transType === 'tcc' || transType === 'xa') && (status === 'prepared' || status === 'aborting');
  return (
    <div className="actions-bar" data-testid="coordinator-controls">
      <button type="button" className="button" disabled={!ready || finished} onClick={() => setOpen('coordinator.retry_now')} data-testid="dtm-retry-now">
        Retry now
      </button>
      <button type="button" className="button button--danger" disabled={!ready || finished} onClick={() => setOpen('coordinator.stop')} data-testid="dtm-stop">
        Stop
      </button>
      <button type="button" className="button button--danger" disabled={!ready || !abortable} onClick={() => setOpen('coordinator.abort')} data-testid="dtm-abort">
        Abort
      </button>
      <span className="muted actions-bar__hint">
        {finished
          ? `DTM has finished this transaction (${status}): it calls no branch any more.`
          : abortable
            ? "Acts through DTM's own API; previewed first and recorded in the audit trail."
            : "Acts through DTM's own API; previewed first and recorded in the audit trail. DTM aborts only TCC / XA transactions (and messages still prepared)."}
      </span>
      {open ? <ActionDialog sagaId={sagaId} request={{ action: open, step: null }} canOverride={false} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}
