import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/lib/db';
import { parseAuditListQuery } from '@/lib/api/audit-query';
import { listAudit } from '@/lib/db/audit';
import { pathWithQuery, requirePage } from '../_lib/auth';
import { AuditTable } from '@/components/audit/AuditTable';
import { VerifyChain } from '@/components/audit/VerifyChain';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Audit trail' };

type SearchParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;

/** The form's datetime-local values are UTC (no zone in them); the API wants ISO-8601. */
function utcFromForm(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(v) ? `${v}Z` : v;
}

const FILTERS = ['actor', 'action', 'saga', 'outcome', 'from', 'to'] as const;

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('audit', pathWithQuery('/audit', raw));
  const values = Object.fromEntries(FILTERS.map((k) => [k, first(raw[k])])) as Record<(typeof FILTERS)[number], string | undefined>;
  const parsed = parseAuditListQuery({ ...values, from: utcFromForm(values.from), to: utcFromForm(values.to), cursor: first(raw.cursor), limit: first(raw.limit) });
  const page = parsed.ok
    ? await listAudit(await getDb(), {
        from: parsed.value.from,
        to: parsed.value.to,
        actor: parsed.value.actor,
        action: parsed.value.action,
        sagaId: parsed.value.saga,
        outcome: parsed.value.outcome,
        beforeSeq: parsed.value.cursor === undefined ? undefined : Number(parsed.value.cursor),
        limit: parsed.value.limit,
      })
    : null;
  const nextHref = page?.nextCursor ? pathWithQuery('/audit', { ...raw, cursor: page.nextCursor }) : null;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Audit trail</h1>
        <VerifyChain />
      </div>
      <form className="filters" method="get" action="/audit" role="search" aria-label="Filter the audit trail">
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
              {['ok', 'failed', 'denied', 'intent', 'aborted'].map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field__label">From (UTC)</span>
            <input name="from" type="datetime-local" step={1} defaultValue={values.from ?? ''} />
          </label>
          <label className="field">
            <span className="field__label">To (UTC)</span>
            <input name="to" type="datetime-local" step={1} defaultValue={values.to ?? ''} />
          </label>
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
      {!parsed.ok ? (
        <p className="alert alert--error" role="alert" data-testid="filter-error">
          Invalid filter: {parsed.error}
        </p>
      ) : page && page.items.length > 0 ? (
        <>
          <AuditTable entries={page.items} />
          <nav className="pager" aria-label="Pages">
            <span className="muted">{page.items.length} entries, newest first</span>
            {raw.cursor ? (
              <Link className="button" href={pathWithQuery('/audit', { ...raw, cursor: undefined })}>
                Newest
              </Link>
            ) : null}
            {nextHref ? (
              <Link className="button" href={nextHref}>
                Older entries
              </Link>
            ) : null}
          </nav>
        </>
      ) : (
        <div className="empty">
          <p>No audit entries{Object.values(values).some(Boolean) ? ' match these filters' : ' yet'}.</p>
        </div>
      )}
    </div>
  );
}
