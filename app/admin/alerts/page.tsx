import type { Metadata } from 'next';
import Link from 'next/link';
import { getDb } from '@/lib/db';
import { listAlertDeliveries, listAlertRules } from '@/lib/alerts/store';
import { parseDeliveryQuery } from '@/lib/alerts/delivery-query';
import { pathWithQuery, requirePage } from '../../_lib/auth';
import { AlertRulesPanel } from '@/components/admin/AlertRulesPanel';
import { AlertDeliveriesTable } from '@/components/admin/AlertDeliveriesTable';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Alerts' };

type SearchParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;

export default async function AlertsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  await requirePage('admin', pathWithQuery('/admin/alerts', raw));
  const db = await getDb();
  const values = { rule: first(raw.rule), state: first(raw.state), cursor: first(raw.cursor), limit: first(raw.limit) };
  const parsed = parseDeliveryQuery(values);
  const [rules, page] = await Promise.all([listAlertRules(db), parsed.ok ? listAlertDeliveries(db, parsed.value) : Promise.resolve(null)]);
  const nextHref = page?.nextCursor ? pathWithQuery('/admin/alerts', { ...raw, cursor: page.nextCursor }) : null;

  return (
    <div className="page">
      <div className="page-head">
        <h1>Alerts</h1>
        <Link href="/admin">Back to admin</Link>
      </div>
      <AlertRulesPanel rules={rules} />
      <section className="section" aria-labelledby="deliveries-h">
        <div className="section__head">
          <h2 id="deliveries-h">Delivery log</h2>
          <span className="muted">Sent by the collector; failed attempts are retried with backoff.</span>
        </div>
        <form className="filters" method="get" action="/admin/alerts" role="search" aria-label="Filter the delivery log">
          <div className="filters__row">
            <label className="field">
              <span className="field__label">Rule</span>
              <select name="rule" defaultValue={values.rule ?? ''}>
                <option value="">any</option>
                {rules.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field__label">State</span>
              <select name="state" defaultValue={values.state ?? ''}>
                <option value="">any</option>
                {['pending', 'delivered', 'failed'].map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <div className="filters__actions">
              <button type="submit" className="button button--primary">
                Apply
              </button>
              <Link className="button" href="/admin/alerts">
                Reset
              </Link>
            </div>
          </div>
        </form>
        {!parsed.ok ? (
          <p className="alert alert--error" role="alert">
            Invalid filter: {parsed.error}
          </p>
        ) : page && page.items.length > 0 ? (
          <>
            <AlertDeliveriesTable items={page.items} />
            <nav className="pager" aria-label="Pages">
              <span className="muted">{page.items.length} {page.items.length === 1 ? 'delivery' : 'deliveries'}, newest first</span>
              {values.cursor ? (
                <Link className="button" href={pathWithQuery('/admin/alerts', { ...raw, cursor: undefined })}>
                  Newest
                </Link>
              ) : null}
              {nextHref ? (
                <Link className="button" href={nextHref}>
                  Older deliveries
                </Link>
              ) : null}
            </nav>
          </>
        ) : (
          <div className="empty">
            <p>No deliveries{values.rule || values.state ? ' match these filters' : ' yet'}.</p>
          </div>
        )}
      </section>
    </div>
  );
}
