import type { SagaStatus } from '@/lib/saga/types';

export function StatusBadge({ status }: { status: SagaStatus }) {
  return (
    <span className={`badge badge--${status}`} data-testid="status-badge" data-status={status}>
      {status}
    </span>
  );
}
