'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { ANOMALY_KINDS, SAGA_STATUSES } from '@/lib/saga/types';
import { RANGE_PRESETS, sagaListHref } from '@/lib/ui/saga-list-params';
import { inputValueToIso, inputValueToIsoThrough } from '@/lib/time/zone';
import { useTimeZone } from './time/TimeZoneProvider';
import { ZonedDateTimeField } from './time/ZonedDateTimeField';

export interface FilterValues {
  status?: string;
  anomaly?: string;
  name?: string;
  service?: string;
  q?: string;
  /** Business key filter, `name:value`. */
  key?: string;
  /** ISO-8601, as in the URL. */
  from?: string;
  to?: string;
  range?: string;
  limit?: string;
}

const PAGE_SIZES = ['50', '100', '200', '500'];

/**
 * The list's filters. Everything is in the URL; this form only edits it. Absolute
 * times are typed in the zone chosen in the header and sent as ISO-8601 UTC.
 */
export function SagaFilters({ values }: { values: FilterValues }) {
  const router = useRouter();
  const { zone } = useTimeZone();

  /** View parameters that filters must not reset. */
  const keep = () => {
    const current = new URLSearchParams(window.location.search);
    return { refresh: current.get('refresh'), limit: current.get('limit') };
  };

  const onSubmit = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const from = inputValueToIso(text('from'), zone) ?? '';
    // "Started at or before 10:05" includes sagas started during 10:05.
    const to = inputValueToIsoThrough(text('to'), zone) ?? '';
    router.push(
      sagaListHref({
        ...keep(),
        status: text('status'),
        anomaly: text('anomaly'),
        name: text('name'),
        service: text('service'),
        q: text('q'),
        key: text('key'),
        // Typed bounds replace a preset; otherwise the preset stays.
        range: from || to ? '' : (values.range ?? ''),
        from,
        to,
        limit: text('limit') === PAGE_SIZES[0] ? '' : text('limit'),
      }),
    );
  };

  const applyRange = (range: string) => {
    router.push(
      sagaListHref({
        ...keep(),
        status: values.status,
        anomaly: values.anomaly,
        name: values.name,
        service: values.service,
        q: values.q,
        key: values.key,
        range,
      }),
    );
  };

  const noTimeFilter = !values.range && !values.from && !values.to;

  return (
    <form className="filters" onSubmit={onSubmit} role="search" aria-label="Filter sagas" data-testid="saga-filters">
      <div className="filters__row">
        <label className="field">
          <span className="field__label">Status</span>
          <select name="status" defaultValue={values.status ?? ''}>
            <option value="">any</option>
            {SAGA_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Anomaly</span>
          <select name="anomaly" defaultValue={values.anomaly ?? ''}>
            <option value="">any</option>
            {ANOMALY_KINDS.map((k) => (
              <option key={k} value={k}>
                {k.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">Name</span>
          <input name="name" type="text" defaultValue={values.name ?? ''} placeholder="checkout" maxLength={200} />
        </label>
        <label className="field">
          <span className="field__label">Service</span>
          <input name="service" type="text" defaultValue={values.service ?? ''} placeholder="payments" maxLength={200} />
        </label>
        <label className="field field--wide">
          <span className="field__label" title="A business key value (order, payment, user id …), a saga id or its first 6+ characters, a trace id or a span id; any case">
            Search
          </span>
          <input
            name="q"
            type="search"
            className="mono"
            defaultValue={values.q ?? ''}
            maxLength={512}
            spellCheck={false}
            placeholder="order id, payment id, saga id, trace or span id"
            data-testid="saga-search"
          />
        </label>
        <label className="field">
          <span className="field__label" title="One business key: name:value">
            Business key
          </span>
          <input name="key" type="text" className="mono" defaultValue={values.key ?? ''} maxLength={512} spellCheck={false} placeholder="order_id:ORD-1234" />
        </label>
      </div>
      <div className="filters__row">
        <div className="field">
          <span className="field__label" id="range-label">
            Started
          </span>
          <div className="segmented" role="group" aria-labelledby="range-label">
            {RANGE_PRESETS.map((p) => (
              <button
                key={p.value}
                type="button"
                aria-pressed={values.range === p.value}
                onClick={() => applyRange(p.value)}
              >
                {p.label}
              </button>
            ))}
            <button type="button" aria-pressed={noTimeFilter} onClick={() => applyRange('')}>
              Any time
            </button>
          </div>
        </div>
        {/* A preset shows no typed bounds. */}
        <ZonedDateTimeField name="from" label="From" iso={values.range ? null : values.from} />
        <ZonedDateTimeField name="to" label="To" iso={values.range ? null : values.to} />
        <label className="field">
          <span className="field__label">Page size</span>
          <select name="limit" defaultValue={values.limit ?? PAGE_SIZES[0]}>
            {/* A size typed into the URL stays selectable rather than silently becoming 50. */}
            {(values.limit && !PAGE_SIZES.includes(values.limit) ? [values.limit, ...PAGE_SIZES] : PAGE_SIZES).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <Link className="button" href="/sagas">
            Reset
          </Link>
        </div>
      </div>
    </form>
  );
}
