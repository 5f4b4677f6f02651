import Link from 'next/link';
import { Timestamp } from '@/components/time/Timestamp';

/** Nothing started in the range: say which range and where data would come from. */
export function EmptyStats({ fromIso, toIso, name, hint, widerHref }: { fromIso: string; toIso: string; name: string | null; hint: string; widerHref: string | null }) {
  return (
    <div className="empty" data-testid="stats-empty">
      <p>
        No sagas{name !== null ? <> named “{name}”</> : null} started between <Timestamp iso={fromIso} /> and <Timestamp iso={toIso} />.
      </p>
      <p>{hint}</p>
      {widerHref ? (
        <p>
          <Link href={widerHref}>Look at the last 7 days</Link>
        </p>
      ) : null}
    </div>
  );
}

/** Suspense fallback: what is being computed, for which range. */
export function StatsLoading({ what, fromIso, toIso }: { what: string; fromIso: string; toIso: string }) {
  return (
    <div className="loading muted" role="status" aria-live="polite" data-testid="stats-loading">
      Loading {what} for <Timestamp iso={fromIso} /> → <Timestamp iso={toIso} /> from the rollups…
    </div>
  );
}
