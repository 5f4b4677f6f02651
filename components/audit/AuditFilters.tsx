'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { inputValueToIso, inputValueToIsoThrough } from '@/lib/time/zone';
import { useTimeZone } from '../time/TimeZoneProvider';
import { ZonedDateTimeField } from '../time/ZonedDateTimeField';

export interface AuditFilterValues {
  actor?: string;
  action?: string;
  saga?: string;
  outcome?: string;
  /** ISO-8601, as in the URL. */
  from?: string;
  to?: string;
}

const OUTCOMES = ['ok', 'failed', 'denied', 'intent', 'aborted'];

/**
 * The audit trail's filters. From / To are typed in the zone the rows are shown
 * in (the header's switch) and go into the URL as ISO-8601 UTC, so the link
 * finds the same entries for anyone who opens it.
 */
export function AuditFilters({ values }: { values: AuditFilterValues }) {
  const router = useRouter();
  const { zone } = useTimeZone();

  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const q = new URLSearchParams();
    for (const k of ['actor', 'action', 'saga', 'outcome'] as const) {
      const v = String(form.get(k) ?? '').trim();
      if (v) q.set(k, v);
    }
    // To runs through the second typed, so a row shown at 20:54:03.123 is found by "To 20:54:03".
    const from = inputValueToIso(String(form.get('from') ?? ''), zone);
    const to = inputValueToIsoThrough(String(form.get('to') ?? ''), zone, 'second');
    if (from) q.set('from', from);
    if (to) q.set('to', to);
    const qs = q.toString();
    router.push(qs ? `/audit?${qs}` : '/audit');
  };

  return (
    <form className="filters" onSubmit={onSubmit} role="search" aria-label="Filter the audit trail" data-testid="audit-filters">
      <div className="filters__row">
        <label className="field">
          <span className="field__label">Actor</span>
          <input name="actor" type="text" defaultValue={values.actor ?? ''} maxLength={200} />
        </label>
        <label className="field">
          <span className="field__label">Action</span>
          <input name="action" type="text" defaultValue={values.action ?? ''} placeholder="auth, user.create…" maxLength={100} />
        </label>
        <label className="field">
          <span className="field__label">Saga id</span>
          <input name="saga" type="text" className="mono" defaultValue={values.saga ?? ''} maxLength={512} />
        </label>
        <label className="field">
          <span className="field__label">Outcome</span>
          <select name="outcome" defaultValue={values.outcome ?? ''}>
            <option value="">any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
        <ZonedDateTimeField name="from" label="From" iso={values.from} precision="second" />
        <ZonedDateTimeField name="to" label="To" iso={values.to} precision="second" />
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <Link className="button" href="/audit">
            Reset
          </Link>
        </div>
      </div>
    </form>
  );
}
