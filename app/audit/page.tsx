import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/lib/db';
import { parseAuditListQuery } from '@/lib/api/audit-query';
import { listAudit } from '@/lib/audit/store';
import { pathWithQuery, requirePage } from '../_lib/auth';
import { AuditFilters } from '@/components/audit/AuditFilters';
import { AuditTable } from '@/components/audit/AuditTable';
import { VerifyChain } from '@/components/audit/VerifyChain';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Audit trail' };

type SearchParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;

const FILTERS = ['actor', 'action', 'saga', 'outcome', 'from', 'to'] as const;

export default async function AuditPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('audit', pathWithQuery('/audit', raw));
  const values = Object.fromEntries(FILTERS.map((k) => [k, first(raw[k])])) as Record<(typeof FILTERS)[number], string | undefined>;
  const parsed = parseAuditListQuery({ ...values, cursor: first(raw.cursor), limit: first(raw.limit) });
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
      {/* Keyed by the URL so the form shows the new values after any navigation. */}
      <AuditFilters key={JSON.stringify(values)} values={values} />
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
